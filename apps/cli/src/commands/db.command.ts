import { DB_ROLES, prepareDatabase, provisionDatabase, rolePasswordsFromUrls } from '@consilium/core';
import { randomBytes } from 'node:crypto';
import { allMigrations } from '../../../../migrations';
import { textFlag, UsageError } from '../args';
import { Cli, CommandGroup, subcommand } from '../command';

const POSTGRES_URL = /^postgres(ql)?:\/\/[^/]+\/[^/?]+/;
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The database itself (core): its roles and grants, once per installation. */
export const dbCommands: CommandGroup = {
  name: 'db',
  usage: `  npm run cli -- db provision [--admin-url <url>] [--database consilium]
                                                  create the database, its three roles and their grants on your
                                                  PostgreSQL; prints the URLs of the roles it creates (once)
  npm run cli -- db provision --passwords-from-env
                                                  the same, idempotently, with the roles' passwords and the database
                                                  taken from DATABASE_URL, DATABASE_OWNER_URL, DATABASE_OPERATOR_URL
                                                  (--admin-url defaults to DATABASE_ADMIN_URL)`,

  async run(args, cli) {
    subcommand(args, ['provision']);
    const adminUrl = textFlag(args, 'admin-url') ?? cli.config.raw.DATABASE_ADMIN_URL;
    if (!adminUrl) throw new UsageError('db provision needs --admin-url postgres://admin:...@host/postgres (or DATABASE_ADMIN_URL)');
    if (!POSTGRES_URL.test(adminUrl))
      throw new UsageError('--admin-url must be a postgres:// URL with a database name, e.g. postgres://admin@host/postgres');
    if (args.flags['passwords-from-env'] === true) return fromEnvironment(adminUrl, args.flags.database, cli);
    const database = textFlag(args, 'database') ?? 'consilium';
    if (!DATABASE_NAME.test(database))
      throw new UsageError('--database must be a lower-case name of letters, digits and _, e.g. consilium');
    return generated(adminUrl, database, cli);
  },
};

/**
 * Deployments whose secrets exist before the database does (compose's .env, a secret manager): the roles get those
 * passwords, and running it again changes nothing. It prints no secret.
 */
async function fromEnvironment(adminUrl: string, databaseFlag: string | true | undefined, cli: Cli): Promise<number> {
  if (databaseFlag !== undefined) throw new UsageError('with --passwords-from-env the database is the one in DATABASE_URL');
  const { database, passwords } = rolePasswordsFromUrls(cli.config.database);
  const report = await provisionDatabase(adminUrl, database, passwords);
  for (const line of report.steps) cli.out(`  ${line}`);
  cli.out(`Database ${database} and roles are ready (passwords from DATABASE_URL, DATABASE_OWNER_URL, DATABASE_OPERATOR_URL).`);
  return 0;
}

/**
 * New roles get generated passwords, printed once for the operator's secret manager. Roles that already exist keep
 * theirs: a second run must not lock out the installation the first one set up.
 */
async function generated(adminUrl: string, database: string, cli: Cli): Promise<number> {
  const secret = () => randomBytes(24).toString('base64url');
  const report = await provisionDatabase(
    adminUrl,
    database,
    { owner: secret(), runtime: secret(), operator: secret() },
    { keepExistingPasswords: true },
  );
  for (const line of report.steps) cli.out(`  ${line}`);
  if (!report.created.length) {
    cli.out(`Database ${database} and roles were already in place: nothing to print (their passwords were left as they were).`);
    return 0;
  }
  const variables = { owner: 'DATABASE_OWNER_URL', runtime: 'DATABASE_URL', operator: 'DATABASE_OPERATOR_URL' } as const;
  cli.out('Database and roles are ready. Store these in your secret manager; they are not shown again:');
  for (const kind of ['owner', 'runtime', 'operator'] as const) {
    if (report.created.includes(kind)) cli.out(`  ${variables[kind]}=${report[kind]}`);
  }
  const kept = (['owner', 'runtime', 'operator'] as const).filter((k) => !report.created.includes(k));
  if (kept.length) cli.out(`  (${kept.map((k) => DB_ROLES[k]).join(', ')} already existed: keep using the URLs you have for them.)`);
  return 0;
}

/** Migrations (core), as the owner role. */
export const migrateCommands: CommandGroup = {
  name: 'migrate',
  usage: `  npm run cli -- migrate                          apply pending database migrations`,

  async run(args, cli) {
    if (args.positional.length > 1) throw new UsageError('migrate takes no further words');
    const prepared = await prepareDatabase(cli.config, { migrations: allMigrations, mode: 'shared', migrate: true });
    cli.out(
      prepared.appliedMigrations.length
        ? `applied: ${prepared.appliedMigrations.join(', ')}`
        : `database is up to date (${allMigrations.length} migrations): nothing to do`,
    );
    await prepared.embedded?.server.stop();
    return 0;
  },
};
