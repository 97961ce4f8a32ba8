import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DB_ROLES } from '../../libs/core/src/database/roles';

export interface IsolatedDatabase {
  name: string;
  runtime: string;
  owner: string;
  operator: string;
  /** Configuration overrides pointing a test app at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** Copies the migrated test database into a template, once per run (global setup). Returns the template's name. */
export async function createTemplateDatabase(superuserUrl: string, source: string): Promise<string> {
  const name = `${source}_template`;
  await asSuperuser(superuserUrl, async (admin) => {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(source)} OWNER ${DB_ROLES.owner}`);
    // A template nobody may connect to: it stays copyable while suites run.
    await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(name)} ALLOW_CONNECTIONS false`);
  });
  return name;
}

/**
 * A database of its own for a suite that runs job handlers: pg-boss's queues are platform-wide (a job belongs to a
 * tenant only through its payload), so two suites sharing one database would run each other's jobs. Same roles,
 * same migrations, nothing else shared; dropped at the end.
 */
export async function isolatedDatabase(label: string, options: { empty?: boolean } = {}): Promise<IsolatedDatabase> {
  const superuser = process.env.TEST_DATABASE_SUPERUSER_URL;
  const template = process.env.TEST_DATABASE_TEMPLATE;
  if (!superuser || !template) {
    throw new Error('This suite needs its own database, cloned from the embedded test PostgreSQL (unset TEST_DATABASE_URL).');
  }
  const name = `consilium_${label.replace(/[^a-z0-9]+/g, '_')}_${randomBytes(3).toString('hex')}`;
  await asSuperuser(superuser, async (admin) => {
    const id = (n: string) => admin.escapeIdentifier(n);
    // `empty`: no migrations applied yet, for a suite that migrates step by step (an upgrade of existing data).
    const from = options.empty ? 'template0' : template;
    await admin.query(`CREATE DATABASE ${id(name)} TEMPLATE ${id(from)} OWNER ${DB_ROLES.owner}`);
    // Database privileges are not copied from a template: the same grants as provisioning gives.
    await admin.query(`REVOKE ALL ON DATABASE ${id(name)} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${id(name)} TO ${DB_ROLES.runtime}, ${DB_ROLES.operator}`);
    await admin.query(`GRANT CONNECT, CREATE ON DATABASE ${id(name)} TO ${DB_ROLES.owner}`);
  });
  if (options.empty) {
    // What provisioning does inside a new database (libs/core/src/database/provision.ts).
    const url = new URL(superuser);
    url.pathname = `/${name}`;
    await asSuperuser(url.toString(), async (inDb) => {
      await inDb.query(`ALTER SCHEMA public OWNER TO ${DB_ROLES.owner}`);
      await inDb.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
    });
  }
  const at = (url: string) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const runtime = at(process.env.TEST_DATABASE_URL!);
  const owner = at(process.env.TEST_DATABASE_OWNER_URL!);
  const operator = at(process.env.TEST_DATABASE_OPERATOR_URL!);
  return {
    name,
    runtime,
    owner,
    operator,
    env: { DATABASE_URL: runtime, DATABASE_OWNER_URL: owner, DATABASE_OPERATOR_URL: operator },
    drop: () =>
      asSuperuser(superuser, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`).then(() => undefined),
      ),
  };
}

async function asSuperuser(url: string, work: (admin: Client) => Promise<void>): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}
