import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, first, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { AuditLog } from '@consilium/audit';
import * as oidc from 'openid-client';
import { hashToken } from '../tokens';
import { OidcClients } from './oidc-clients';
import { mappedRoles, SsoAccounts, ssoRefusal } from './sso-accounts';
import { SsoConnection, SsoConnections } from './sso-connections.service';

/** How long the person has at their IdP before "Sign in with ..." must be started again. */
const ATTEMPT_MINUTES = 10;

export interface SsoSignedIn {
  token: string;
  accountId: string;
  /** The IdP said it checked a second factor: our TOTP step is skipped. */
  mfaVerified: boolean;
  next: string | null;
}

/**
 * Staff sign-in through the hospital's OpenID provider: authorization code with PKCE, `state` kept (hashed) in
 * PostgreSQL for one use, `nonce` bound into the id_token. openid-client checks the id_token's signature, issuer,
 * audience, expiry and nonce; we check the email's domain, map the IdP's groups to roles, and make the account just in
 * time. Every outcome is an audit row.
 */
@Injectable()
export class OidcSignIn {
  private readonly logger = new Logger(OidcSignIn.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly connections: SsoConnections,
    private readonly clients: OidcClients,
    private readonly accounts: SsoAccounts,
    private readonly audit: AuditLog,
  ) {}

  /** Where to send the browser, and the `state` its cookie must carry back. */
  async start(next: string | null): Promise<{ url: string; state: string }> {
    const connection = await this.connections.current();
    if (!connection) throw new NotFound();
    const config = await this.configFor(connection);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await this.db.transaction(async (tx) => {
      // Attempts nobody finished are of no use once expired; each start sweeps its hospital's.
      await tx.query('DELETE FROM sso_sign_in_attempts WHERE expires_at < now()');
      await tx.query(
        `INSERT INTO sso_sign_in_attempts (tenant_id, connection_id, state_hash, nonce, code_verifier, next_path, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(mins => $7))`,
        [this.context.tenant().id, connection.id, hashToken(state), nonce, verifier, next, ATTEMPT_MINUTES],
      );
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(),
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /** The IdP sent the browser back: the code for tokens, the id_token checked, the person signed in (or refused). */
  async finish(query: Record<string, string>, cookieState: string | undefined): Promise<SsoSignedIn> {
    try {
      return await this.complete(query, cookieState);
    } catch (error) {
      await this.audit.record({ action: 'staff.sso_sign_in', entityType: 'sso_connection', outcome: 'denied' });
      throw error;
    }
  }

  private async complete(query: Record<string, string>, cookieState: string | undefined): Promise<SsoSignedIn> {
    const state = query.state;
    // The state must be the one this browser was given, and unused at this hospital: a replayed callback, another
    // hospital's, or one planted in someone else's browser finds nothing.
    if (!state || state !== cookieState) throw ssoRefusal('state');
    const attempt = await this.db.transaction((tx) =>
      first<{ connection_id: string; nonce: string; code_verifier: string; next_path: string | null }>(
        tx,
        `UPDATE sso_sign_in_attempts SET used_at = now()
          WHERE state_hash = $1 AND used_at IS NULL AND expires_at > now()
          RETURNING connection_id, nonce, code_verifier, next_path`,
        [hashToken(state)],
      ),
    );
    const connection = await this.connections.current();
    if (!attempt || !connection || connection.id !== attempt.connection_id) throw ssoRefusal('state');
    const config = await this.configFor(connection);
    const callback = new URL(this.redirectUri());
    for (const [key, value] of Object.entries(query)) callback.searchParams.set(key, value);
    let claims: oidc.IDToken;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: attempt.code_verifier,
        expectedState: state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims()!;
    } catch (error) {
      // What failed (signature, audience, expiry...) is for the operator's log; the person is told to start again.
      this.logger.warn({ reason: (error as { code?: string }).code ?? (error as Error).name }, 'id_token refused');
      throw ssoRefusal('token');
    }
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    const domain = email.split('@')[1] ?? '';
    if (!email || claims.email_verified === false || !connection.allowedDomains.includes(domain)) throw ssoRefusal('domain');
    const roles = mappedRoles(connection.roleMap, claims[connection.roleClaim]);
    if (!roles.length) throw ssoRefusal('role');
    const mfaVerified = idpCheckedSecondFactor(connection, claims);
    const name = typeof claims.name === 'string' ? claims.name.slice(0, 200) : email.split('@')[0];

    const signedIn = await this.db.transaction((tx) =>
      this.accounts.signIn(tx, { connectionId: connection.id, subject: claims.sub, email, name, roles, mfaVerified }),
    );
    await this.audit.record({ action: 'staff.sso_sign_in', entityType: 'account', entityId: signedIn.accountId, outcome: 'allowed' });
    return { ...signedIn, mfaVerified, next: attempt.next_path };
  }

  private async configFor(connection: SsoConnection): Promise<oidc.Configuration> {
    const secret = this.connections.clientSecret(connection);
    try {
      return await this.clients.configFor(this.context.tenant().id, connection.issuer, connection.clientId, secret);
    } catch {
      throw ssoRefusal('provider');
    }
  }

  private redirectUri(): string {
    return `${this.config.originFor(this.context.host()!)}/console/sso/callback`;
  }
}

/** RFC 8176: `amr` "mfa" (or a configured `acr`) means the IdP checked more than a password. */
function idpCheckedSecondFactor(connection: SsoConnection, claims: oidc.IDToken): boolean {
  const amr = Array.isArray(claims.amr) ? claims.amr : [];
  if (amr.includes('mfa')) return true;
  return typeof claims.acr === 'string' && connection.mfaAcrValues.includes(claims.acr);
}
