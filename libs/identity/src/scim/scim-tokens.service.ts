import { Injectable } from '@nestjs/common';
import { affected, first, one, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { hashToken, newToken } from '../tokens';

export interface ScimTokenListing {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revoked: boolean;
}

/** The hospital directory's bearer tokens for /scim/v2: shown once, stored as SHA-256, revocable. */
@Injectable()
export class ScimTokens {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async create(name: string, createdBy: string): Promise<{ id: string; token: string }> {
    const { token, hash } = newToken('scim_');
    const row = await this.db.transaction((tx) =>
      one<{ id: string }>(tx, `INSERT INTO scim_tokens (tenant_id, name, token_hash, created_by) VALUES ($1, $2, $3, $4) RETURNING id`, [
        this.context.tenant().id,
        name,
        hash,
        createdBy,
      ]),
    );
    return { id: row.id, token };
  }

  list(): Promise<ScimTokenListing[]> {
    return this.db.transaction(async (tx) =>
      (
        await rows<{ id: string; name: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }>(
          tx,
          'SELECT id, name, created_at, last_used_at, revoked_at FROM scim_tokens ORDER BY created_at DESC',
        )
      ).map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, revoked: r.revoked_at !== null })),
    );
  }

  async revoke(id: string): Promise<boolean> {
    return (
      (await this.db.transaction((tx) =>
        affected(tx, 'UPDATE scim_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]),
      )) === 1
    );
  }

  /** The token's id when it is live at this host's hospital (another hospital's token finds nothing here). */
  async resolve(token: string): Promise<string | null> {
    const row = await this.db.transaction((tx) =>
      first<{ id: string }>(tx, 'UPDATE scim_tokens SET last_used_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id', [
        hashToken(token),
      ]),
    );
    return row?.id ?? null;
  }
}
