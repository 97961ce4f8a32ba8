import type { EntityManager } from 'typeorm';

/** A programming error, never a user's: a tenant id that is not a UUID reached the database layer. */
export class InvalidTenantId extends Error {
  override name = 'InvalidTenantId';
  constructor() {
    // The value itself stays out of the message: it may have come from anywhere.
    super('A tenant id must be a UUID (8-4-4-4-12 hexadecimal digits) before it is set on a transaction.');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Is `value` a tenant id's shape (a UUID, any case)? */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The statement that scopes a transaction to one hospital for row-level security. It is `SET LOCAL`, not
 * `set_config()`, because Citus forwards `SET LOCAL` to the worker connections of the transaction
 * (`citus.propagate_set_commands = 'local'`) and forwards no function call (deploy/SCALING.md). `SET` takes no bind
 * parameter, so the id is validated strictly and written as a literal: only the 36 characters of a UUID ever reach it.
 */
export function setTenantStatement(tenantId: string): string {
  if (!isTenantId(tenantId)) throw new InvalidTenantId();
  return `SET LOCAL app.tenant_id = '${tenantId.toLowerCase()}'`;
}

/** Scopes the open transaction `tx` to `tenantId` (transaction-local: it ends with the transaction). */
export async function setTenant(tx: EntityManager, tenantId: string): Promise<void> {
  await tx.query(setTenantStatement(tenantId));
}
