import { DataSource, MigrationInterface } from 'typeorm';
import { postgresOptions } from './data-source-options';

export type MigrationClass = new () => MigrationInterface;

/** Applies pending migrations as the owner role. Returns the names it applied. */
export async function runMigrations(ownerUrl: string, migrations: MigrationClass[]): Promise<string[]> {
  const ds = new DataSource({
    ...postgresOptions({ url: ownerUrl, applicationName: 'consilium-migrate', poolSize: 1, statementTimeoutMs: 0 }),
    migrations,
  });
  await ds.initialize();
  try {
    // One migrator at a time across instances: the others wait, then find nothing pending.
    await ds.query('SELECT pg_advisory_lock(727274)');
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await ds.query('SELECT pg_advisory_unlock(727274)');
    }
  } finally {
    await ds.destroy();
  }
}

/** Names of migrations the code knows but the database has not applied (readiness uses it). */
export async function pendingMigrations(dataSource: DataSource, migrations: MigrationClass[]): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query('SELECT name FROM migrations');
  const applied = new Set(rows.map((r) => r.name));
  return migrations.map((m) => new m().name ?? m.name).filter((name): name is string => !applied.has(name));
}
