import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager, EntityTarget, FindOptionsWhere } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * The fields of `desired` that differ from `current`, compared as JSON would store them (an absent key and an
 * undefined one are the same; key order does not matter). Blueprint sections use it to stay idempotent.
 */
export function changedFields<T extends object>(current: object | undefined, desired: T): (keyof T)[] {
  if (!current) return Object.keys(desired) as (keyof T)[];
  const now = current as Record<keyof T, unknown>;
  return (Object.keys(desired) as (keyof T)[]).filter((key) => !isDeepStrictEqual(normalize(now[key]), normalize(desired[key])));
}

function normalize(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(normalize);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  return value;
}

/** "price: 95000 -> 99000" for scalars, the field's name alone for structured values. */
export function describeFields<T extends object>(current: object, desired: T, fields: (keyof T)[]): string {
  const now = current as Record<keyof T, unknown>;
  return fields
    .map((key) => {
      const field = String(key).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const from = now[key];
      const to = desired[key];
      const scalar = (v: unknown) => v === null || v === undefined || ['string', 'number', 'boolean'].includes(typeof v);
      return scalar(from) && scalar(to) ? `${field} ${String(from ?? '-')} -> ${String(to ?? '-')}` : field;
    })
    .join(', ');
}

/** A row keyed by tenant and a natural key (slug, code, region), with a uuid id. */
interface KeyedRow {
  id: string;
  active?: boolean;
}

/**
 * Inserts or updates one row found by `key` (which includes tenantId) so that it holds `desired`, and says what it
 * did in the words of the change list: `add offering x`, `update offering x: price_minor 95000 -> 99000`,
 * `reactivate physician y`. Nothing is written, and nothing said, when the row already matches.
 */
export async function saveRow<E extends KeyedRow>(
  tx: EntityManager,
  entity: EntityTarget<E>,
  key: Partial<E> & { tenantId: string },
  desired: Partial<E>,
  label: string,
): Promise<{ id: string; changes: string[] }> {
  const row = await tx.findOneBy(entity, key as FindOptionsWhere<E>);
  if (!row) {
    const id = randomUUID();
    await tx.insert(entity, { ...key, ...desired, id } as unknown as QueryDeepPartialEntity<E>);
    return { id, changes: [`add ${label}`] };
  }
  const changed = changedFields<Partial<E>>(row, desired);
  if (!changed.length) return { id: row.id, changes: [] };
  await tx.update(entity, { tenantId: key.tenantId, id: row.id }, pick<Partial<E>>(desired, changed) as QueryDeepPartialEntity<E>);
  if (row.active === false && desired.active === true) return { id: row.id, changes: [`reactivate ${label}`] };
  return { id: row.id, changes: [`update ${label}: ${describeFields<Partial<E>>(row, desired, changed)}`] };
}

/**
 * Sets `active = false` on the tenant's active rows whose `field` is not in `keep`: removed from the blueprint,
 * kept for the history that points at them. Returns `deactivate <label> <key>` lines.
 */
export async function deactivateMissing<E extends KeyedRow>(
  tx: EntityManager,
  entity: EntityTarget<E>,
  where: Partial<E> & { tenantId: string },
  field: keyof E & string,
  keep: string[],
  label: string,
): Promise<string[]> {
  const rows = await tx.findBy(entity, { ...where, active: true } as unknown as FindOptionsWhere<E>);
  const changes: string[] = [];
  for (const row of rows) {
    const value = String(row[field]);
    if (keep.includes(value)) continue;
    await tx.update(entity, { tenantId: where.tenantId, id: row.id }, { active: false } as unknown as QueryDeepPartialEntity<E>);
    changes.push(`deactivate ${label}${label.endsWith('/') ? '' : ' '}${value}`);
  }
  return changes;
}

function pick<T extends object>(value: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.map((k) => [k, value[k]])) as Partial<T>;
}
