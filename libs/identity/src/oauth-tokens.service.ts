import { Injectable } from '@nestjs/common';
import { AppConfig, first, RequestContext, TenantDatabase } from '@consilium/core';
import { IdentityError } from './csrf';
import { hashToken, newToken } from './tokens';

/** RFC 6749 §5.2 error codes of the token endpoint. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

/**
 * A refusal at the token endpoint: `code` is the RFC 6749 `error`; `reason` picks its words (the
 * `error_description`, what to fix) at `identity.errors.oauth.<reason>`. `invalid_client` is 401, the rest 400.
 */
export class OAuthError extends IdentityError {
  constructor(
    code: OAuthErrorCode,
    readonly reason: string,
    values?: Record<string, string>,
  ) {
    super(code, { values });
  }

  override get messageKey(): string {
    return `identity.errors.oauth.${this.reason}.message`;
  }
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scopes: string[];
}

const ACCESS_TOKEN_PREFIX = 'cat_';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) for server-to-server calls: an OAuth client (an API credential of
 * kind `oauth_client`) trades its id and secret for a bearer token that lives API_ACCESS_TOKEN_MINUTES, carries a
 * subset of the client's scopes, and stops working when the client is revoked. Only SHA-256 hashes are stored.
 */
@Injectable()
export class OAuthTokens {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  /** `scope`: space-separated, as RFC 6749 §3.3 has it; absent means every scope the client has. */
  issue(clientId: string, clientSecret: string, scope: string | undefined): Promise<IssuedToken> {
    if (!UUID.test(clientId) || !clientSecret) {
      throw new OAuthError('invalid_client', 'unknownClient');
    }
    return this.db.transaction(async (tx) => {
      const client = await first<{ id: string; scopes: string[] }>(
        tx,
        `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND key_hash = $2 AND kind = 'oauth_client' AND revoked_at IS NULL
         RETURNING id, scopes`,
        [clientId, hashToken(clientSecret)],
      );
      if (!client) {
        throw new OAuthError('invalid_client', 'unknownClient');
      }
      const asked = scope === undefined ? client.scopes : [...new Set(scope.split(' ').filter(Boolean))];
      const unknown = asked.filter((s) => !client.scopes.includes(s));
      if (unknown.length) {
        throw new OAuthError('invalid_scope', 'scopeNotGranted', { asked: unknown.join(' '), scopes: client.scopes.join(' ') });
      }
      if (!asked.length) throw new OAuthError('invalid_scope', 'noScope', { scopes: client.scopes.join(' ') });
      const minutes = this.config.raw.API_ACCESS_TOKEN_MINUTES;
      const { token, hash } = newToken(ACCESS_TOKEN_PREFIX);
      // A client's expired tokens go as it asks for a new one: the table holds live tokens and a few stale ones.
      await tx.query(`DELETE FROM oauth_access_tokens WHERE client_id = $1 AND expires_at < now()`, [client.id]);
      await tx.query(
        `INSERT INTO oauth_access_tokens (tenant_id, client_id, token_hash, scopes, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))`,
        [this.context.tenant().id, client.id, hash, asked, minutes],
      );
      return { accessToken: token, expiresIn: minutes * 60, scopes: asked };
    });
  }

  /** The client and scopes of a live access token on this tenant's host; null for anything else. */
  resolve(token: string): Promise<{ clientId: string; scopes: string[] } | null> {
    if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return Promise.resolve(null);
    return this.db.transaction(async (tx) => {
      const row = await first<{ client_id: string; scopes: string[] }>(
        tx,
        `SELECT t.client_id, t.scopes FROM oauth_access_tokens t
           JOIN api_keys k ON k.tenant_id = t.tenant_id AND k.id = t.client_id
          WHERE t.token_hash = $1 AND t.expires_at > now() AND k.revoked_at IS NULL`,
        [hashToken(token)],
      );
      return row ? { clientId: row.client_id, scopes: row.scopes } : null;
    });
  }
}
