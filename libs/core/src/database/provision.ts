import { Client } from 'pg';
import { ConfigError } from '../config/config';
import { DB_ROLES } from './roles';

export interface ProvisionedDatabase {
  owner: string;
  runtime: string;
  operator: string;
}

/**
 * Creates (or updates) the database and the three roles, connected as a superuser. The embedded default and the test
 * setup call this; for a managed PostgreSQL, `npm run cli -- db provision` runs it once with an admin URL.
 */
export async function provisionDatabase(
  superuserUrl: string,
  database: string,
  passwords: Record<keyof typeof DB_ROLES, string>,
): Promise<ProvisionedDatabase> {
  const admin = new Client({ connectionString: superuserUrl });
  await admin.connect();
  try {
    for (const [kind, role] of Object.entries(DB_ROLES) as [keyof typeof DB_ROLES, string][]) {
      const attributes =
        kind === 'operator'
          ? 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS'
          : 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS';
      const exists = await admin.query('select 1 from pg_roles where rolname = $1', [role]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await admin.query(`${verb} ROLE ${admin.escapeIdentifier(role)} ${attributes} PASSWORD ${admin.escapeLiteral(passwords[kind])}`);
    }
    const db = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!db.rowCount) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)} OWNER ${admin.escapeIdentifier(DB_ROLES.owner)}`);
    }
  } finally {
    await admin.end();
  }

  const url = new URL(superuserUrl);
  url.pathname = `/${database}`;
  const inDb = new Client({ connectionString: url.toString() });
  await inDb.connect();
  try {
    const id = (r: string) => inDb.escapeIdentifier(r);
    await inDb.query(`ALTER SCHEMA public OWNER TO ${id(DB_ROLES.owner)}`);
    await inDb.query(`REVOKE ALL ON DATABASE ${id(database)} FROM PUBLIC`);
    await inDb.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${id(database)} TO ${id(DB_ROLES.runtime)}, ${id(DB_ROLES.operator)}`);
    await inDb.query(`GRANT CONNECT, CREATE ON DATABASE ${id(database)} TO ${id(DB_ROLES.owner)}`);
    await inDb.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
  } finally {
    await inDb.end();
  }

  const as = (kind: keyof typeof DB_ROLES) => {
    const u = new URL(url.toString());
    u.username = DB_ROLES[kind];
    u.password = passwords[kind];
    return u.toString();
  };
  return { owner: as('owner'), runtime: as('runtime'), operator: as('operator') };
}

/**
 * The database name and role passwords carried by the three connection URLs, for provisioning roles whose passwords
 * are chosen beforehand (compose's `.env`, a secret manager) instead of generated. Each URL must name its fixed role
 * (migrations grant to those names) and all three the same database.
 */
export function rolePasswordsFromUrls(urls: { runtime?: string; owner?: string; operator?: string }): {
  database: string;
  passwords: Record<keyof typeof DB_ROLES, string>;
} {
  const variables = { runtime: 'DATABASE_URL', owner: 'DATABASE_OWNER_URL', operator: 'DATABASE_OPERATOR_URL' } as const;
  const problems: string[] = [];
  const passwords = {} as Record<keyof typeof DB_ROLES, string>;
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
