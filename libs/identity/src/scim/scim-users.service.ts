import { Injectable } from '@nestjs/common';
import { AppConfig, first, msg, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { AuditLog } from '@consilium/audit';
import { EntityManager } from 'typeorm';
import { z } from 'zod';
import { SessionService } from '../session.service';
import { ScimError } from './scim-error';

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface UserRow {
  id: string;
  email: string;
  name: string;
  active: boolean;
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, email, name, disabled_at IS NULL AS active, scim_external_id AS external_id, created_at, updated_at`;
/** The directory sees the hospital's staff; people it deleted are gone for it (their account stays, disabled). */
const STAFF = `kind = 'staff' AND deprovisioned_at IS NULL`;

const newUser = z.object({
  userName: z.email(),
  externalId: z.string().max(255).optional(),
  displayName: z.string().max(200).optional(),
  name: z
    .object({
      formatted: z.string().max(200).optional(),
      givenName: z.string().max(100).optional(),
      familyName: z.string().max(100).optional(),
    })
    .optional(),
  active: z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])]).optional(),
});

const patch = z.object({
  schemas: z.array(z.string()).refine((s) => s.includes(PATCH_SCHEMA)),
  Operations: z
    .array(z.object({ op: z.string().transform((o) => o.toLowerCase()), path: z.string().optional(), value: z.unknown() }))
    .min(1),
});

/**
 * SCIM 2.0 Users (RFC 7643/7644) over the hospital's staff accounts: the hospital's directory creates people, finds
 * them by userName, deactivates them and deletes them. Deactivating or deleting ends the person's sessions in the same
 * transaction, so their next request is signed out. Roles stay the identity provider's groups (mapped at sign-in).
 */
@Injectable()
export class ScimUsers {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly sessions: SessionService,
    private readonly audit: AuditLog,
  ) {}

  async list(filter: string | undefined, startIndex = 1, count = 100): Promise<Record<string, unknown>> {
    const where = filter === undefined ? null : parseFilter(filter);
    const start = Math.max(1, Math.floor(startIndex) || 1);
    const size = Math.min(200, Math.max(0, Math.floor(count) || 0));
    const params: unknown[] = [];
    let condition = STAFF;
    if (where) {
      params.push(where.value);
      condition += where.attribute === 'userName' ? ` AND email = lower($1)` : ` AND scim_external_id = $1`;
    }
    const { total, users } = await this.db.transaction(async (tx) => ({
      total: (await first<{ n: number }>(tx, `SELECT count(*)::int AS n FROM accounts WHERE ${condition}`, params))!.n,
      users: await rows<UserRow>(
        tx,
        `SELECT ${COLUMNS} FROM accounts WHERE ${condition} ORDER BY created_at, id OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
        [...params, start - 1, size],
      ),
    }));
    return {
      schemas: [LIST_SCHEMA],
      totalResults: total,
      startIndex: start,
      itemsPerPage: users.length,
      Resources: users.map((u) => this.resource(u)),
    };
  }

  async get(id: string): Promise<Record<string, unknown>> {
    return this.resource(await this.db.transaction((tx) => this.find(tx, id)));
  }

  async create(body: unknown): Promise<Record<string, unknown>> {
    const input = newUser.safeParse(body);
    if (!input.success) throw new ScimError(400, msg('identity.scim.userNameInvalid'), 'invalidValue');
    const email = input.data.userName.trim().toLowerCase();
    const { name, active } = personOf(input.data, email);
    const user = await this.db.transaction(async (tx) => {
      const existing = await first<{ id: string; deprovisioned: boolean }>(
        tx,
        `SELECT id, deprovisioned_at IS NOT NULL AS deprovisioned FROM accounts WHERE kind = 'staff' AND email = $1`,
        [email],
      );
      if (existing && !existing.deprovisioned) throw new ScimError(409, msg('identity.scim.userExists'), 'uniqueness');
      // Someone the directory deleted and now creates again comes back as the same account (their history is theirs).
      const row = existing
        ? await first<UserRow>(
            tx,
            `UPDATE accounts SET deprovisioned_at = NULL, disabled_at = CASE WHEN $2 THEN NULL ELSE now() END, name = $3, scim_external_id = $4, updated_at = now()
              WHERE id = $1 RETURNING ${COLUMNS}`,
            [existing.id, active, name, input.data.externalId ?? null],
          )
        : await first<UserRow>(
            tx,
            `INSERT INTO accounts (tenant_id, kind, email, name, email_verified_at, scim_external_id, disabled_at)
             VALUES ($1, 'staff', $2, $3, now(), $4, CASE WHEN $5 THEN NULL ELSE now() END) RETURNING ${COLUMNS}`,
            [this.context.tenant().id, email, name, input.data.externalId ?? null, active],
          );
      return row!;
    });
    await this.audit.record({ action: 'staff.scim_create', entityType: 'account', entityId: user.id, outcome: 'allowed' });
    return this.resource(user);
  }

  /** PATCH: `active` (how directories deactivate and reactivate people) and the display name; nothing else changes. */
  async patch(id: string, body: unknown): Promise<Record<string, unknown>> {
    const parsed = patch.safeParse(body);
    if (!parsed.success) throw new ScimError(400, msg('identity.scim.patchInvalid'), 'invalidSyntax');
    let active: boolean | undefined;
    let name: string | undefined;
    for (const operation of parsed.data.Operations) {
      if (operation.op !== 'replace' && operation.op !== 'add')
        throw new ScimError(400, msg('identity.scim.patchInvalid'), 'invalidSyntax');
      const changes: Record<string, unknown> = operation.path
        ? { [operation.path]: operation.value }
        : ((operation.value as Record<string, unknown>) ?? {});
      for (const [path, value] of Object.entries(changes)) {
        if (path === 'active') active = String(value).toLowerCase() === 'true';
        else if ((path === 'displayName' || path === 'name.formatted') && typeof value === 'string') name = value.slice(0, 200);
        else throw new ScimError(400, msg('identity.scim.attributeUnsupported', { path: path.slice(0, 60) }), 'invalidValue');
      }
    }
    const user = await this.db.transaction(async (tx) => {
      const before = await this.find(tx, id);
      const row = (await first<UserRow>(
        tx,
        `UPDATE accounts SET disabled_at = CASE WHEN $2::boolean IS NULL THEN disabled_at WHEN $2 THEN NULL ELSE coalesce(disabled_at, now()) END,
                name = coalesce($3, name), updated_at = now()
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [before.id, active ?? null, name ?? null],
      ))!;
      if (active === false) await this.sessions.revokeAll(tx, before.id);
      return row;
    });
    if (active !== undefined)
      await this.audit.record({
        action: active ? 'staff.scim_activate' : 'staff.scim_deactivate',
        entityType: 'account',
        entityId: user.id,
        outcome: 'allowed',
      });
    return this.resource(user);
  }

  /**
   * PUT: the directory sends the whole person. What the platform keeps of them (name, externalId, active) takes the
   * new values; userName is the account's email and immutable here, so a different one is refused, not a rename.
   */
  async replace(id: string, body: unknown): Promise<Record<string, unknown>> {
    const input = newUser.safeParse(body);
    if (!input.success) throw new ScimError(400, msg('identity.scim.userNameInvalid'), 'invalidValue');
    const email = input.data.userName.trim().toLowerCase();
    const { name, active } = personOf(input.data, email);
    const { user, deactivated } = await this.db.transaction(async (tx) => {
      const before = await this.find(tx, id);
      if (before.email !== email) throw new ScimError(400, msg('identity.scim.userNameImmutable'), 'mutability');
      const row = (await first<UserRow>(
        tx,
        `UPDATE accounts SET disabled_at = CASE WHEN $2 THEN NULL ELSE coalesce(disabled_at, now()) END, name = $3,
                scim_external_id = $4, updated_at = now()
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [before.id, active, name, input.data.externalId ?? null],
      ))!;
      if (!active) await this.sessions.revokeAll(tx, before.id);
      return { user: row, deactivated: before.active && !active };
    });
    if (deactivated)
      await this.audit.record({ action: 'staff.scim_deactivate', entityType: 'account', entityId: user.id, outcome: 'allowed' });
    return this.resource(user);
  }

  /** DELETE: the person is gone for the directory; the account stays disabled (audit trail, cases) and signs in no more. */
  async remove(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const user = await this.find(tx, id);
      await tx.query(
        `UPDATE accounts SET disabled_at = coalesce(disabled_at, now()), deprovisioned_at = now(), updated_at = now() WHERE id = $1`,
        [user.id],
      );
      await tx.query('DELETE FROM sso_identities WHERE account_id = $1', [user.id]);
      await this.sessions.revokeAll(tx, user.id);
    });
    await this.audit.record({ action: 'staff.scim_delete', entityType: 'account', entityId: id, outcome: 'allowed' });
  }

  private async find(tx: EntityManager, id: string): Promise<UserRow> {
    const row = /^[0-9a-f-]{36}$/i.test(id)
      ? await first<UserRow>(tx, `SELECT ${COLUMNS} FROM accounts WHERE ${STAFF} AND id = $1`, [id])
      : undefined;
    if (!row) throw new ScimError(404, msg('identity.scim.notFound'));
    return row;
  }

  private resource(user: UserRow): Record<string, unknown> {
    return {
      schemas: [SCIM_USER_SCHEMA],
      id: user.id,
      ...(user.external_id ? { externalId: user.external_id } : {}),
      userName: user.email,
      displayName: user.name,
      name: { formatted: user.name },
      emails: [{ value: user.email, primary: true, type: 'work' }],
      active: user.active,
      meta: {
        resourceType: 'User',
        created: user.created_at.toISOString(),
        lastModified: user.updated_at.toISOString(),
        location: `${this.config.originFor(this.context.host()!)}/scim/v2/Users/${user.id}`,
      },
    };
  }
}

/** The name and state a directory gives a person on POST and PUT (absent `active` means active, as the RFC says). */
function personOf(input: z.infer<typeof newUser>, email: string): { name: string; active: boolean } {
  const name =
    (input.name?.formatted ?? input.displayName ?? [input.name?.givenName, input.name?.familyName].filter(Boolean).join(' ')) ||
    email.split('@')[0];
  return { name: name.slice(0, 200), active: input.active === undefined || String(input.active).toLowerCase() === 'true' };
}

/** The filters directories send to find a person before creating them: `userName eq "..."`, `externalId eq "..."`. */
function parseFilter(filter: string): { attribute: 'userName' | 'externalId'; value: string } {
  const match = /^\s*(userName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match) throw new ScimError(400, msg('identity.scim.filterUnsupported'), 'invalidFilter');
  return { attribute: match[1].toLowerCase() === 'username' ? 'userName' : 'externalId', value: match[2].replace(/\\(.)/g, '$1') };
}
