import { DataSource } from 'typeorm';
import { one, rows } from './sql';

export class UnsafeRuntimeRole extends Error {
  override name = 'UnsafeRuntimeRole';
}

/**
 * Row-level security only protects tenants if the role the app connects as cannot bypass it. Refuse to start
 * otherwise, saying exactly why.
 */
export async function assertSafeRuntimeRole(dataSource: DataSource): Promise<void> {
  const role = await one<{ name: string; super: boolean; bypass: boolean }>(
    dataSource,
    `SELECT current_user AS name, rolsuper AS super, rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user`,
  );
  const problems: string[] = [];
  if (role.super) problems.push('it is a superuser');
  if (role.bypass) problems.push('it has BYPASSRLS');
  const owned = await rows<{ name: string }>(
    dataSource,
    `SELECT c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        AND pg_has_role(current_user, c.relowner, 'USAGE')
      ORDER BY 1 LIMIT 5`,
  );
  if (owned.length) problems.push(`it owns (or inherits the owner of) tables: ${owned.map((t) => t.name).join(', ')}`);
  if (problems.length) {
    throw new UnsafeRuntimeRole(
      `Refusing to start: the database role "${role.name}" in DATABASE_URL must not bypass row-level security, but ${problems.join('; ')}. ` +
        'Connect as the runtime role (NOSUPERUSER NOBYPASSRLS, owning nothing); see deploy/README.md.',
    );
  }
}
