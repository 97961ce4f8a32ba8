import http from 'node:http';
import { AddressInfo } from 'node:net';
import { fetchText, guardedFetch, isPrivateAddress, PrivateAddressRefused, Resolve } from './metadata-fetch';

/** A resolver that answers every name with the given addresses, as a DNS name pointed at them would. */
const resolvingTo =
  (...addresses: string[]): Resolve =>
  (_hostname, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('fetching an admin-given metadata URL', () => {
  let server: http.Server;
  let port: number;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/token') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] })),
        );
        return;
      }
      if (req.url === '/moved') res.writeHead(302, { location: '/metadata' }).end();
      else if (req.url === '/metadata') res.writeHead(200, { 'content-type': 'application/xml' }).end('<md:EntityDescriptor/>');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
  ])('counts %s as private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('counts %s as public', (address) =>
    expect(isPrivateAddress(address)).toBe(false),
  );

  it('reads the file, following a redirect, when private addresses are allowed (development, tests)', async () => {
    await expect(fetchText(`http://127.0.0.1:${port}/moved`, { allowPrivate: true, timeoutMs: 2000 })).resolves.toBe(
      '<md:EntityDescriptor/>',
    );
  });

  it.each([
    'http://127.0.0.1:PORT/metadata',
    'http://[::1]:PORT/metadata',
    'http://[::ffff:127.0.0.1]:PORT/metadata',
    'http://localhost:PORT/metadata',
  ])('refuses %s without sending a request when they are not', async (url) => {
    const before = requests.length;
    await expect(fetchText(url.replace('PORT', String(port)), { allowPrivate: false, timeoutMs: 2000 })).rejects.toBeInstanceOf(
      PrivateAddressRefused,
    );
    expect(requests.length).toBe(before);
  });

  it('refuses a name that resolves to this machine, checked where the connection is made', async () => {
    const before = requests.length;
    for (const resolve of [resolvingTo('127.0.0.1'), resolvingTo('203.0.113.9', '127.0.0.1')])
      await expect(
        fetchText(`http://idp.example.test:${port}/metadata`, { allowPrivate: false, timeoutMs: 2000, resolve }),
      ).rejects.toBeInstanceOf(PrivateAddressRefused);
    expect(requests.length).toBe(before);
    // The same name, allowed, reaches the server: the refusal above was the address check, not a failed connection.
    await expect(fetchText(`http://127.0.0.1:${port}/metadata`, { allowPrivate: true, timeoutMs: 2000 })).resolves.toContain('Entity');
  });

  describe("openid-client's requests to an admin-given issuer", () => {
    const post = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code' }),
    };

    it.each(['http://127.0.0.1:PORT/token', 'http://[::1]:PORT/token', 'http://localhost:PORT/token'])(
      'refuses %s without sending a request',
      async (url) => {
        const before = requests.length;
        await expect(guardedFetch()(url.replace('PORT', String(port)), post)).rejects.toBeInstanceOf(PrivateAddressRefused);
        expect(requests.length).toBe(before);
      },
    );

    it('refuses a name resolving to this machine where the connection is made', async () => {
      const before = requests.length;
      await expect(
        guardedFetch(resolvingTo('203.0.113.9', '127.0.0.1'))(`http://idp.example.test:${port}/token`, post),
      ).rejects.toBeInstanceOf(PrivateAddressRefused);
      expect(requests.length).toBe(before);
    });

    it('sends what openid-client asks (method, headers, form body) and answers as fetch does, a redirect left to it', async () => {
      // The same check with this machine counted as public: the request itself, through the guarded lookup.
      const fetch = guardedFetch(resolvingTo('127.0.0.1'), () => false);
      const answer = await fetch(`http://idp.example.test:${port}/token`, post);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/json');
      expect(await answer.json()).toEqual({
        method: 'POST',
        body: 'grant_type=authorization_code',
        type: 'application/x-www-form-urlencoded',
      });
      const moved = await fetch(`http://idp.example.test:${port}/moved`, { method: 'GET', headers: {} });
      expect(moved.status).toBe(302);
      expect(moved.headers.get('location')).toBe('/metadata');
    });
  });

  it('refuses a scheme other than http(s)', async () => {
    await expect(fetchText('file:///etc/passwd', { allowPrivate: true, timeoutMs: 2000 })).rejects.toThrow('not http');
  });
});
