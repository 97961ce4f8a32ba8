import http from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig, InvalidInput } from '@consilium/core';
import { OidcClients } from './oidc-clients';

/**
 * An admin types the issuer; the platform then sends requests there. Outside development (SSO_FETCH_PRIVATE_ADDRESSES
 * off, as in production) none of them may reach this machine or its network, including the discovery check itself.
 */
describe("the OpenID provider's issuer an admin gives", () => {
  let server: http.Server;
  let port: number;
  let requests = 0;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const clients = (fetchPrivateAddresses: boolean) => new OidcClients({ fetchPrivateAddresses } as AppConfig);
  const problem = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidInput);
    return (error as InvalidInput).fields!.issuer;
  };

  it('refuses one on this machine without sending it anything, saying why beside the field', async () => {
    const before = requests;
    expect(await problem(clients(false).check(`http://127.0.0.1:${port}/`))).toMatchObject({ key: 'identity.sso.issuerPrivate' });
    // A sign-in's discovery (a connection saved before the rule, or written by a blueprint) is refused as well.
    await expect(clients(false).configFor('t', `http://localhost:${port}/`, 'client', 'secret')).rejects.toThrow();
    expect(requests).toBe(before);
  });

  it('reaches it when private addresses are allowed (development, tests), and says when there is no provider there', async () => {
    const before = requests;
    expect(await problem(clients(true).check(`http://127.0.0.1:${port}/`))).toMatchObject({ key: 'identity.sso.issuerUnreachable' });
    expect(requests).toBeGreaterThan(before);
  });
});
