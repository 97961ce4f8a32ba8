import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export type Misbehaviour = 'tamper' | 'wrong-audience' | 'expired' | null;

export interface IdpPerson {
  email: string;
  groups?: string[];
  /** Whether the IdP says it checked a second factor (`amr` includes `mfa`). */
  mfa?: boolean;
  /** The `acr` the IdP puts in the id_token (`urn:stand-in:mfa` or `urn:stand-in:password`). */
  acr?: string;
}

/** A real OpenID provider (oidc-provider) in its own process on loopback; see oidc-idp-process.mjs. */
export interface OidcStandIn {
  issuer: string;
  /** A client registered through the provider's dynamic registration, for one redirect address. */
  register(redirectUri: string): Promise<{ clientId: string; clientSecret: string }>;
  /** The next token responses are altered so (null: honest again). */
  misbehave(mode: Misbehaviour): Promise<void>;
  /** A browser at the IdP: from the authorization URL through its sign-in page to the redirect back (returned). */
  signIn(authorizationUrl: string, person: IdpPerson): Promise<URL>;
  stop(): Promise<void>;
}

export async function startOidcStandIn(): Promise<OidcStandIn> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'oidc-idp-process.mjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => errors.push(String(chunk)));
  const issuer = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`OpenID stand-in exited (${code}): ${errors.join('')}`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve((JSON.parse(String(chunk)) as { issuer: string }).issuer));
  });

  return {
    issuer,
    async register(redirectUri) {
      const res = await fetch(`${issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' }),
      });
      const body = (await res.json()) as { client_id: string; client_secret: string };
      if (res.status !== 201) throw new Error(`registration refused: ${JSON.stringify(body)}`);
      return { clientId: body.client_id, clientSecret: body.client_secret };
    },
    async misbehave(mode) {
      await fetch(`${issuer}/_control`, { method: 'POST', body: JSON.stringify({ mode }) });
    },
    async signIn(authorizationUrl, person) {
      const jar = new Map<string, string>();
      const go = async (url: string | URL, init: RequestInit = {}) => {
        const res = await fetch(url, {
          ...init,
          redirect: 'manual',
          headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const line of res.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const at = pair.indexOf('=');
          jar.set(pair.slice(0, at), pair.slice(at + 1));
        }
        return res;
      };
      const toInteraction = await go(authorizationUrl);
      const interaction = new URL(toInteraction.headers.get('location') ?? '', issuer);
      if (toInteraction.status !== 303 || !interaction.pathname.startsWith('/interaction/'))
        throw new Error(`the IdP did not ask for a sign-in: ${toInteraction.status} ${await toInteraction.text()}`);
      await go(interaction);
      const form = new URLSearchParams({ email: person.email, groups: (person.groups ?? []).join(' ') });
      if (person.mfa) form.set('mfa', 'yes');
      if (person.acr) form.set('acr', person.acr);
      const resumed = await go(interaction, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      const back = await go(new URL(resumed.headers.get('location') ?? '', issuer));
      const location = back.headers.get('location');
      if (!location) throw new Error(`the IdP did not send the browser back: ${back.status} ${await back.text()}`);
      return new URL(location);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
