import { Client, QueryResult, QueryResultRow } from 'pg';
import { ConfigError } from '../config/config';
import { DB_ROLES, DbRoleName } from './roles';

export interface ProvisionedDatabase {
  owner: string;
  runtime: string;
  operator: string;
}

export interface ProvisionReport extends ProvisionedDatabase {
  /** What this run did, one line per step ("created role ...", "database ... already exists"). */
  steps: string[];
  /** The roles this run created: only their URLs carry a password the caller did not already have. */
  created: DbRoleName[];
}

export interface ProvisionOptions {
  /**
   * Leave the password of a role that already exists as it is. The CLI's generated passwords need this: running
   * `db provision` again must not lock a running installation out. Without it, every role gets the given password
   * (the embedded default's kept ones, or those of the deployment's secrets).
   */
  keepExistingPasswords?: boolean;
}

/** The admin connection failed, or the admin may not do a step: said in words, with what to check. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

const ATTRIBUTES: Record<DbRoleName, { sql: string; bypassRls: boolean }> = {
  owner: { sql: 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', bypassRls: false },
  runtime: { sql: 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', bypassRls: false },
  operator: { sql: 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS', bypassRls: true },
};

/**
 * Creates (or completes) the database and the three roles, connected as an administrator: roles with exactly their
 * attributes, the database owned by the owner role, the public schema handed to it, connect rights for the other two
 * and nothing for PUBLIC, and pgcrypto. Every step is idempotent and reported. The embedded default and the tests
 * call this on every start; for a managed PostgreSQL, `npm run cli -- db provision` runs it with an admin URL.
 */
export async function provisionDatabase(
  adminUrl: string,
  database: string,
  passwords: Record<DbRoleName, string>,
  options: ProvisionOptions = {},
): Promise<ProvisionReport> {
  const steps: string[] = [];
  const created: DbRoleName[] = [];
  const admin = await connect(adminUrl);
  try {
    for (const kind of Object.keys(DB_ROLES) as DbRoleName[]) {
      const role = DB_ROLES[kind];
      const { sql, bypassRls } = ATTRIBUTES[kind];
      const [existing] = (
        await step(
          admin,
          `read role ${role}`,
          'select rolsuper, rolcanlogin, rolbypassrls, rolcreatedb, rolcreaterole from pg_roles where rolname = $1',
          [role],
        )
      ).rows;
      if (!existing) {
        await step(
          admin,
          `create role ${role}`,
          `CREATE ROLE ${admin.escapeIdentifier(role)} ${sql} PASSWORD ${admin.escapeLiteral(passwords[kind])}`,
        );
        created.push(kind);
        steps.push(`created role ${role}`);
        continue;
      }
      const drifted =
        existing.rolsuper || !existing.rolcanlogin || existing.rolbypassrls !== bypassRls || existing.rolcreatedb || existing.rolcreaterole;
      const setPassword = !options.keepExistingPasswords;
      if (drifted || setPassword) {
        const password = setPassword ? ` PASSWORD ${admin.escapeLiteral(passwords[kind])}` : '';
        await step(admin, `alter role ${role}`, `ALTER ROLE ${admin.escapeIdentifier(role)} ${sql}${password}`);
      }
      steps.push(
        `role ${role} already exists${drifted ? ` (attributes corrected to ${sql})` : ''}${setPassword ? ', password set' : ', password unchanged'}`,
      );
    }
    const [db] = (
      await step(admin, `read database ${database}`, 'select pg_get_userbyid(datdba) as owner from pg_database where datname = $1', [
        database,
      ])
    ).rows;
    const id = (name: string) => admin.escapeIdentifier(name);
    if (!db) {
      await step(admin, `create database ${database}`, `CREATE DATABASE ${id(database)} OWNER ${id(DB_ROLES.owner)}`);
      steps.push(`created database ${database} (owner ${DB_ROLES.owner})`);
    } else if (db.owner !== (DB_ROLES.owner as string)) {
      const previous: string = db.owner;
      await step(admin, `give database ${database} to ${DB_ROLES.owner}`, `ALTER DATABASE ${id(database)} OWNER TO ${id(DB_ROLES.owner)}`);
      steps.push(`database ${database} already exists; its owner is now ${DB_ROLES.owner} (was ${previous})`);
    } else {
      steps.push(`database ${database} already exists`);
    }
  } finally {
    await admin.end();
  }

  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  const inDb = await connect(url.toString());
  try {
    const id = (r: string) => inDb.escapeIdentifier(r);
    const [before] = (
      await step<{ schema_owner: string; pgcrypto: boolean; public_connect: boolean; runtime_connect: boolean; operator_connect: boolean }>(
        inDb,
        'read privileges',
        `select pg_get_userbyid(n.nspowner) as schema_owner,
                exists (select 1 from pg_extension where extname = 'pgcrypto') as pgcrypto,
                has_database_privilege('public', current_database(), 'CONNECT') as public_connect,
                has_database_privilege($1, current_database(), 'CONNECT') as runtime_connect,
                has_database_privilege($2, current_database(), 'CONNECT') as operator_connect
           from pg_namespace n where n.nspname = 'public'`,
        [DB_ROLES.runtime, DB_ROLES.operator],
      )
    ).rows;
    await step(inDb, `give schema public to ${DB_ROLES.owner}`, `ALTER SCHEMA public OWNER TO ${id(DB_ROLES.owner)}`);
    await step(inDb, 'revoke connect from PUBLIC', `REVOKE ALL ON DATABASE ${id(database)} FROM PUBLIC`);
    await step(
      inDb,
      'grant connect',
      `GRANT CONNECT, TEMPORARY ON DATABASE ${id(database)} TO ${id(DB_ROLES.runtime)}, ${id(DB_ROLES.operator)}`,
    );
    await step(inDb, 'grant connect and create', `GRANT CONNECT, CREATE ON DATABASE ${id(database)} TO ${id(DB_ROLES.owner)}`);
    await step(inDb, 'create extension pgcrypto', 'CREATE EXTENSION IF NOT EXISTS pgcrypto');
    const changed = [
      before.schema_owner !== DB_ROLES.owner && `schema public handed to ${DB_ROLES.owner}`,
      before.public_connect && 'connect revoked from PUBLIC',
      (!before.runtime_connect || !before.operator_connect) && `connect granted to ${DB_ROLES.runtime} and ${DB_ROLES.operator}`,
      !before.pgcrypto && 'extension pgcrypto created',
    ].filter((s): s is string => !!s);
    steps.push(changed.length ? `privileges: ${changed.join('; ')}` : 'privileges already in place');
  } finally {
    await inDb.end();
  }

  const as = (kind: DbRoleName) => {
    const u = new URL(url.toString());
    u.username = DB_ROLES[kind];
    u.password = passwords[kind];
    return u.toString();
  };
  return { owner: as('owner'), runtime: as('runtime'), operator: as('operator'), steps, created };
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const u = new URL(url);
    // Never the password: only where and as whom.
    throw new ProvisionError(
      `could not connect to PostgreSQL at ${u.hostname}:${u.port || 5432} as ${decodeURIComponent(u.username) || '(no user)'}, database ${decodeURIComponent(u.pathname.slice(1))}: ${(error as Error).message}. Check the admin URL (--admin-url or DATABASE_ADMIN_URL).`,
    );
  }
}

async function step<R extends QueryResultRow = Record<string, never>>(
  client: Client,
  what: string,
  sql: string,
  params: unknown[] = [],
): Promise<QueryResult<R>> {
  try {
    return await client.query<R>(sql, params);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42501')
      throw new ProvisionError(
        `the admin role may not ${what}: ${(error as Error).message}. Provision with a superuser (or your provider's administrator role).`,
      );
    throw error;
  }
}

/**
 * The database name and role passwords carried by the three connection URLs, for provisioning roles whose passwords
 * are chosen beforehand (compose's `.env`, a secret manager) instead of generated. Each URL must name its fixed role
 * (migrations grant to those names) and all three the same database.
 */
export function rolePasswordsFromUrls(urls: { runtime?: string; owner?: string; operator?: string }): {
  database: string;
  passwords: Record<DbRoleName, string>;
} {
  const variables = { runtime: 'DATABASE_URL', owner: 'DATABASE_OWNER_URL', operator: 'DATABASE_OPERATOR_URL' } as const;
  const problems: string[] = [];
  const passwords = {} as Record<DbRoleName, string>;
  const databases = new Set<string>();
  for (const kind of Object.keys(variables) as (keyof typeof variables)[]) {
    const raw = urls[kind];
    if (!raw) {
      problems.push(`${variables[kind]}: must be set to provision from the environment`);
      continue;
    }
    const url = new URL(raw);
    const user = decodeURIComponent(url.username);
    if (user !== DB_ROLES[kind]) problems.push(`${variables[kind]}: must connect as ${DB_ROLES[kind]}`);
    if (!url.password) problems.push(`${variables[kind]}: must carry the role's password`);
    passwords[kind] = decodeURIComponent(url.password);
    databases.add(decodeURIComponent(url.pathname.slice(1)));
  }
  if (databases.size > 1) problems.push('DATABASE_URL, DATABASE_OWNER_URL, DATABASE_OPERATOR_URL: must name the same database');
  if (problems.length) throw new ConfigError(problems);
  return { database: [...databases][0], passwords };
}
