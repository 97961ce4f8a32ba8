import { Injectable } from '@nestjs/common';
import { affected, first, InvalidInput, msg, one, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { API_KEY_SCOPES } from './permissions';
import { hashToken, newToken } from './tokens';

/**
 * `key`: sent as the bearer token on every call. `oauth_client`: an OAuth 2.0 client (client credentials grant) whose
 * secret only ever goes to the token endpoint, which gives short-lived access tokens in exchange.
 */
export const API_CREDENTIAL_KINDS = ['key', 'oauth_client'] as const;
export type ApiCredentialKind = (typeof API_CREDENTIAL_KINDS)[number];

/** Prefixes say what a secret is, so a leaked one is recognised (and secret scanners can match it). */
const PREFIX: Record<ApiCredentialKind, string> = { key: 'ck_', oauth_client: 'cs_' };

export interface ApiKeyListing {
  id: string;
  kind: ApiCredentialKind;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revoked: boolean;
}

/** Per-tenant keys for /api/v1 integrations: shown once, stored hashed, scoped, revocable. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async create(name: string, scopes: string[], createdBy: string, kind: ApiCredentialKind = 'key'): Promise<{ id: string; key: string }> {
    const clean = [...new Set(scopes)];
    if (!name.trim()) throw new InvalidInput({ name: msg('identity.apiKeys.nameRequired') });
    if (!clean.length || clean.some((s) => !(API_KEY_SCOPES as readonly string[]).includes(s))) {
      throw new InvalidInput({ scopes: msg('identity.apiKeys.chooseScope') });
    }
    if (!API_CREDENTIAL_KINDS.includes(kind)) throw new InvalidInput({ kind: msg('identity.apiKeys.chooseKind') });
    const { token, hash } = newToken(PREFIX[kind]);
    const row = await this.db.transaction((tx) =>
      one<{ id: string }>(
        tx,
        `INSERT INTO api_keys (tenant_id, kind, name, prefix, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [this.context.tenant().id, kind, name.trim(), token.slice(0, 10), hash, clean, createdBy],
      ),
    );
    return { id: row.id, key: token };
  }

  list(): Promise<ApiKeyListing[]> {
    return this.db.transaction(async (tx) => {
      const keys = await rows<{
        id: string;
        kind: ApiCredentialKind;
        name: string;
        prefix: string;
        scopes: string[];
        created_at: Date;
        last_used_at: Date | null;
        revoked_at: Date | null;
      }>(tx, 'SELECT id, kind, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at DESC');
      return keys.map((r) => ({
        id: r.id,
        kind: r.kind,
        name: r.name,
        prefix: r.prefix,
        scopes: r.scopes,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
        revoked: r.revoked_at !== null,
      }));
    });
  }

  async revoke(id: string): Promise<boolean> {
    const count = await this.db.transaction((tx) =>
      affected(tx, 'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]),
    );
    return count === 1;
  }

  /** The key's id and scopes when it is live on this tenant's host. An OAuth client's secret is not a key. */
  resolve(key: string): Promise<{ id: string; scopes: string[] } | null> {
    if (!key.startsWith(PREFIX.key)) return Promise.resolve(null);
    return this.db.transaction(async (tx) => {
      const row = await first<{ id: string; scopes: string[] }>(
        tx,
        `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND kind = 'key' AND revoked_at IS NULL RETURNING id, scopes`,
        [hashToken(key)],
      );
      return row ? { id: row.id, scopes: row.scopes } : null;
    });
  }
}
