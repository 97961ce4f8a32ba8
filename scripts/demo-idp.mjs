// A local OpenID provider for trying staff single sign-on on the embedded default (`npm start`): starts the same
// oidc-provider the tests use (test/support/oidc-idp-process.mjs, a development dependency) on loopback, registers
// a client for one demo hospital's console, and prints what its admin types at /console/settings/sso.
//
//   node scripts/demo-idp.mjs                              lakeshore.localhost:3000, provider on port 4100
//   node scripts/demo-idp.mjs meridian.localhost:3000 4101
//
// Stop it with Ctrl-C. The provider keeps its clients in memory: after a restart, register again (run this again)
// and save the new client ID and secret in the console.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const site = process.argv[2] ?? 'lakeshore.localhost:3000';
const port = process.argv[3] ?? '4100';
const child = spawn(process.execPath, [path.join(here, '..', 'test', 'support', 'oidc-idp-process.mjs'), port], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.on('SIGINT', () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));

const line = await new Promise((resolve) => child.stdout.once('data', (chunk) => resolve(String(chunk))));
const { issuer } = JSON.parse(line);
const res = await fetch(`${issuer}/reg`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ redirect_uris: [`http://${site}/console/sso/callback`], token_endpoint_auth_method: 'client_secret_basic' }),
});
const client = await res.json();
const hospital = site.split('.')[0];
console.log(`
A local OpenID provider is running at ${issuer}.

1. Sign in at http://${site}/console/sign-in as admin@${hospital}.example (see the README's demo accounts),
   open "Single sign-on" and enter:
     Name on the sign-in button   Local IdP
     Issuer URL                   ${issuer}
     Client ID                    ${client.client_id}
     Client secret                ${client.client_secret}
     Allowed email domains        staff.${hospital}.example
     Groups and roles             doctors = physician
                                  care-team = coordinator
                                  it-admins = admin
2. Sign out, then "Sign in with Local IdP": the provider's page asks for an email (any name @staff.${hospital}.example),
   groups (e.g. doctors) and whether you passed its multi-factor check.

Ctrl-C stops the provider.`);
