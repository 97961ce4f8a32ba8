import { AppConfig, prepareDatabase, provisionDatabase, rolePasswordsFromUrls } from '@consilium/core';
import { randomBytes } from 'node:crypto';
import { allMigrations } from '../../../../migrations';
import { ParsedArgs, UsageError } from '../args';
import { out } from '../cli-app';

/** `db provision`: the database and its three roles on an administrator's connection. */
export async function provision(args: ParsedArgs, config: AppConfig): Promise<number> {
  const adminUrl = typeof args.flags['admin-url'] === 'string' ? args.flags['admin-url'] : config.raw.DATABASE_ADMIN_URL;
  if (!adminUrl) throw new UsageError('db provision needs --admin-url postgres://admin:...@host/postgres (or DATABASE_ADMIN_URL)');
  if (args.flags['passwords-from-env'] === true) {
    // Deployments whose secrets exist before the database does (compose's .env, a secret manager): re-running it
    // changes nothing, and it prints no secret.
    if (typeof args.flags.database === 'string') throw new UsageError('with --passwords-from-env the database is the one in DATABASE_URL');
    const { database, passwords } = rolePasswordsFromUrls(config.database);
    await provisionDatabase(adminUrl, database, passwords);
    out(`Database ${database} and roles are ready (passwords from DATABASE_URL, DATABASE_OWNER_URL, DATABASE_OPERATOR_URL).`);
    return 0;
  }
  const database = typeof args.flags.database === 'string' ? args.flags.database : 'consilium';
  const secret = () => randomBytes(24).toString('base64url');
  const urls = await provisionDatabase(adminUrl, database, { owner: secret(), runtime: secret(), operator: secret() });
  out('Database and roles are ready. Store these in your secret manager; they are not shown again:');
  out(`  DATABASE_OWNER_URL=${urls.owner}`);
  out(`  DATABASE_URL=${urls.runtime}`);
  out(`  DATABASE_OPERATOR_URL=${urls.operator}`);
  return 0;
}

/** `migrate`: pending migrations applied. */
export async function migrate(config: AppConfig): Promise<number> {
  const prepared = await prepareDatabase(config, { migrations: allMigrations, mode: 'shared', migrate: true });
  out(prepared.appliedMigrations.length ? `applied: ${prepared.appliedMigrations.join(', ')}` : 'database is up to date');
  await prepared.embedded?.server.stop();
  return 0;
}
