import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, first, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { AuditLog } from '@consilium/audit';
import { CacheProvider, generateServiceProviderMetadata, SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { randomBytes } from 'node:crypto';
import { hashToken } from '../tokens';
import { SamlConnection, SamlConnections } from './saml-connections.service';
import { mappedRoles, SsoAccounts, ssoRefusal } from './sso-accounts';
import { SsoSignedIn } from './oidc-sign-in.service';

const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const ATTEMPT_MINUTES = 10;
const NAME_ID_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** node-saml keeps AuthnRequest IDs in a cache; ours is the attempt's row, so one lives exactly as long as the other. */
function oneRequest(requestId?: string, issuedAt?: Date): CacheProvider & { saved?: string } {
  const cache: CacheProvider & { saved?: string } = {
    saveAsync: (key, value) => {
      cache.saved = key;
      return Promise.resolve({ value, createdAt: Date.now() });
    },
    // node-saml reads the value as the request's time of issue.
    getAsync: (key) => Promise.resolve(key === requestId && issuedAt ? issuedAt.toISOString() : null),
    removeAsync: (key) => Promise.resolve(key),
  };
  return cache;
}

/**
 * Staff sign-in through the hospital's SAML 2.0 IdP, SP-initiated with the HTTP-Redirect binding out and HTTP-POST
 * back. node-saml checks the assertion's signature (signed assertions required), issuer, audience, validity window
 * and InResponseTo (against this attempt's AuthnRequest); we check the Recipient is our ACS, refuse an assertion ID
 * seen before (kept in PostgreSQL until it expires), then the same domain, role and MFA rules as OpenID Connect.
 *
 * The IdP posts back cross-site, so a SameSite=Lax cookie does not come with it: the attempt is found by RelayState
 * and bound by InResponseTo to the AuthnRequest this platform made, used once.
 */
@Injectable()
export class SamlSignIn {
  private readonly logger = new Logger(SamlSignIn.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly connections: SamlConnections,
    private readonly accounts: SsoAccounts,
    private readonly audit: AuditLog,
  ) {}

  /** The SP's entity ID (the audience IdPs put in assertions) and its assertion consumer service. */
  addresses(): { entityId: string; acs: string; metadata: string } {
    const origin = this.config.originFor(this.context.host()!);
    return {
      entityId: `${origin}/console/sso/saml`,
      acs: `${origin}/console/sso/saml/acs`,
      metadata: `${origin}/console/sso/saml/metadata`,
    };
  }

  /**
   * This hospital's SP metadata, for its IdP admin to import (so nobody types the entity ID or ACS by hand). It needs
   * no IdP configured yet: the IdP is usually set up first, from this file. It says what we require (signed
   * assertions, the email NameID) and carries no key, as this SP neither signs requests nor decrypts assertions.
   */
  serviceProviderMetadata(): string {
    const { entityId, acs } = this.addresses();
    return generateServiceProviderMetadata({
      issuer: entityId,
      callbackUrl: acs,
      identifierFormat: NAME_ID_FORMAT,
      wantAssertionsSigned: true,
    });
  }

  async start(next: string | null): Promise<string> {
    const connection = await this.connections.current();
    if (!connection) throw new NotFound();
    const cache = oneRequest();
    const state = randomBytes(24).toString('base64url');
    const url = await this.saml(connection, cache).getAuthorizeUrlAsync(state, this.context.host(), {});
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM sso_sign_in_attempts WHERE expires_at < now()');
      await tx.query(
        `INSERT INTO sso_sign_in_attempts (tenant_id, connection_id, state_hash, nonce, code_verifier, next_path, expires_at)
         VALUES ($1, $2, $3, $4, '', $5, now() + make_interval(mins => $6))`,
        [this.context.tenant().id, connection.id, hashToken(state), cache.saved, next, ATTEMPT_MINUTES],
      );
    });
    return url;
  }

  async finish(body: Record<string, unknown>): Promise<SsoSignedIn> {
    try {
      return await this.complete(body);
    } catch (error) {
      await this.audit.record({ action: 'staff.sso_sign_in', entityType: 'sso_connection', outcome: 'denied' });
      throw error;
    }
  }

  private async complete(body: Record<string, unknown>): Promise<SsoSignedIn> {
    const relayState = typeof body.RelayState === 'string' ? body.RelayState : '';
    const response = typeof body.SAMLResponse === 'string' ? body.SAMLResponse : '';
    if (!relayState || !response) throw ssoRefusal('state');
    const attempt = await this.db.transaction((tx) =>
      first<{ connection_id: string; nonce: string; next_path: string | null; created_at: Date }>(
        tx,
        `UPDATE sso_sign_in_attempts SET used_at = now()
          WHERE state_hash = $1 AND used_at IS NULL AND expires_at > now()
          RETURNING connection_id, nonce, next_path, created_at`,
        [hashToken(relayState)],
      ),
    );
    const connection = await this.connections.current();
    if (!attempt || !connection || connection.id !== attempt.connection_id) throw ssoRefusal('state');

    let profile: Awaited<ReturnType<SAML['validatePostResponseAsync']>>['profile'];
    try {
      ({ profile } = await this.saml(connection, oneRequest(attempt.nonce, attempt.created_at)).validatePostResponseAsync({
        SAMLResponse: response,
      }));
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message.slice(0, 120) }, 'SAML response refused');
      throw ssoRefusal('token');
    }
    if (!profile) throw ssoRefusal('token');
    const assertion = new DOMParser().parseFromString(profile.getAssertionXml?.() ?? '', 'text/xml');
    const confirmation = assertion.getElementsByTagNameNS(ASSERTION, 'SubjectConfirmationData')[0];
    if (confirmation?.getAttribute('Recipient') !== this.addresses().acs) {
      this.logger.warn('SAML assertion for another recipient refused');
      throw ssoRefusal('token');
    }
    const assertionId = assertion.documentElement?.getAttribute('ID') ?? '';
    const expires =
      confirmation.getAttribute('NotOnOrAfter') ??
      assertion.getElementsByTagNameNS(ASSERTION, 'Conditions')[0]?.getAttribute('NotOnOrAfter');
    const fresh = await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM saml_seen_assertions WHERE expires_at < now()');
      return first<{ assertion_id: string }>(
        tx,
        `INSERT INTO saml_seen_assertions (tenant_id, assertion_id, expires_at) VALUES ($1, $2, coalesce($3::timestamptz, now() + interval '1 hour'))
         ON CONFLICT DO NOTHING RETURNING assertion_id`,
        [this.context.tenant().id, assertionId, expires ?? null],
      );
    });
    if (!assertionId || !fresh) throw ssoRefusal('state');

    const emailValue = [profile.nameID, profile.email, profile.mail].find((v) => typeof v === 'string' && v.includes('@'));
    const email = typeof emailValue === 'string' ? emailValue.trim().toLowerCase() : '';
    if (!email || !connection.allowedDomains.includes(email.split('@')[1] ?? '')) throw ssoRefusal('domain');
    const roles = mappedRoles(connection.roleMap, profile[connection.roleAttribute]);
    if (!roles.length) throw ssoRefusal('role');
    const context = assertion.getElementsByTagNameNS(ASSERTION, 'AuthnContextClassRef')[0]?.textContent?.trim() ?? '';
    const mfaVerified = !!context && connection.mfaContexts.includes(context);
    const signedIn = await this.db.transaction((tx) =>
      this.accounts.signIn(tx, {
        connectionId: connection.id,
        subject: profile.nameID,
        email,
        name: email.split('@')[0],
        roles,
        mfaVerified,
      }),
    );
    await this.audit.record({ action: 'staff.sso_sign_in', entityType: 'account', entityId: signedIn.accountId, outcome: 'allowed' });
    return { ...signedIn, mfaVerified, next: attempt.next_path };
  }

  private saml(connection: SamlConnection, cacheProvider: CacheProvider): SAML {
    const { entityId, acs } = this.addresses();
    return new SAML({
      entryPoint: connection.ssoUrl,
      issuer: entityId,
      audience: entityId,
      callbackUrl: acs,
      idpIssuer: connection.entityId,
      idpCert: connection.certs,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: ATTEMPT_MINUTES * 60_000,
      cacheProvider,
      acceptedClockSkewMs: 30_000,
      disableRequestedAuthnContext: true,
      identifierFormat: NAME_ID_FORMAT,
    });
  }
}
