import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';

const CLI = path.resolve(__dirname, '../../dist/apps/cli/src/main.js');

/** The compose file's `provision` and `migrate` one-shot services, as they run: the built CLI with env only. */
describe('cli db provision --passwords-from-env, then cli migrate', () => {
  const database = `consilium_prov_${randomBytes(4).toString('hex')}`;
  const withDatabase = (url: string, name = database) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();
  const env = {
    DATABASE_ADMIN_URL: process.env.TEST_DATABASE_SUPERUSER_URL!,
    // The test database's roles with their current passwords: provisioning must leave other suites' logins working.
    DATABASE_URL: withDatabase(process.env.TEST_DATABASE_URL!),
    DATABASE_OWNER_URL: withDatabase(process.env.TEST_DATABASE_OWNER_URL!),
    DATABASE_OPERATOR_URL: withDatabase(process.env.TEST_DATABASE_OPERATOR_URL!),
    APP_SECRET: randomBytes(32).toString('base64'),
  };
  const cli = (args: string[], extra: Record<string, string> = {}) => {
    const run = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH!, ...env, ...extra }, encoding: 'utf8' });
    return { code: run.status, output: `${run.stdout}${run.stderr}` };
  };

  afterAll(async () => {
    const admin = new Client({ connectionString: process.env.TEST_DATABASE_SUPERUSER_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('creates the database and roles, twice without change, prints no secret, and migrations then apply as the owner', async () => {
    for (let i = 0; i < 2; i++) {
      const run = cli(['db', 'provision', '--passwords-from-env']);
      expect(run).toEqual({ code: 0, output: expect.stringContaining(`Database ${database} and roles are ready`) });
      for (const url of [env.DATABASE_URL, env.DATABASE_OWNER_URL, env.DATABASE_OPERATOR_URL, env.DATABASE_ADMIN_URL]) {
        expect(run.output).not.toContain(new URL(url).password);
      }
    }
    const migrate = cli(['migrate']);
    expect(migrate.code).toBe(0);
    expect(migrate.output).toMatch(/applied: .*Foundation/);

    const app = new Client({ connectionString: env.DATABASE_URL });
    await app.connect();
    try {
      const owner = await app.query(`SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'cases'`);
      expect(owner.rows).toEqual([{ tableowner: 'consilium_owner' }]);
      // Row-level security holds for the runtime role in the new database as in any other.
      expect((await app.query('SELECT count(*)::int AS n FROM tenant_assets')).rows[0].n).toBe(0);
    } finally {
      await app.end();
    }
    // The test database's own logins still work: the passwords were set to what they already were.
    const other = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await other.connect();
    await other.end();
  });

  it('refuses URLs that name another role or disagree on the database, naming the variable', () => {
    const wrongRole = cli(['db', 'provision', '--passwords-from-env'], {
      DATABASE_URL: env.DATABASE_OWNER_URL.replace('consilium_owner', 'someone'),
    });
    expect(wrongRole.code).toBe(2);
    expect(wrongRole.output).toContain('DATABASE_URL: must connect as consilium_app');
    const split = cli(['db', 'provision', '--passwords-from-env'], {
      DATABASE_OPERATOR_URL: withDatabase(env.DATABASE_OPERATOR_URL, 'elsewhere'),
    });
    expect(split.code).toBe(2);
    expect(split.output).toContain('must name the same database');
    const noAdmin = cli(['db', 'provision', '--passwords-from-env'], { DATABASE_ADMIN_URL: '' });
    expect(noAdmin.code).toBe(2);
    expect(noAdmin.output).toContain('DATABASE_ADMIN_URL');
  });
});

/** `cli db provision --admin-url` with generated passwords, as deploy/README.md's first step runs it. */
describe('cli db provision --admin-url, twice', () => {
  const database = `consilium_gen_${randomBytes(4).toString('hex')}`;
  const superuser = process.env.TEST_DATABASE_SUPERUSER_URL!;
  const cli = (args: string[]) => {
    const run = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH! }, encoding: 'utf8' });
    return { code: run.status, output: `${run.stdout}${run.stderr}` };
  };

  afterAll(async () => {
    const admin = new Client({ connectionString: superuser });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('says what it did, then that everything is in place; never changes the passwords of roles that exist', async () => {
    const first = cli(['db', 'provision', '--admin-url', superuser, '--database', database]);
    expect(first.code).toBe(0);
    // The cluster's roles exist already (the test database uses them): they keep their passwords.
    for (const role of ['consilium_owner', 'consilium_app', 'consilium_operator'])
      expect(first.output).toContain(`role ${role} already exists, password unchanged`);
    expect(first.output).toContain(`created database ${database} (owner consilium_owner)`);
    expect(first.output).toContain('privileges: ');
    expect(first.output).toContain('nothing to print');
    expect(first.output).not.toContain(new URL(superuser).password);

    const second = cli(['db', 'provision', '--admin-url', superuser, '--database', database]);
    expect(second.code).toBe(0);
    expect(second.output).toContain(`database ${database} already exists`);
    expect(second.output).toContain('privileges already in place');

    // The roles' logins are the ones they had: every other suite's connections still work, in the new database too.
    const inNew = new Client({
      connectionString: Object.assign(new URL(process.env.TEST_DATABASE_URL!), { pathname: `/${database}` }).toString(),
    });
    await inNew.connect();
    await inNew.end();
  });

  it('says where it could not connect, without the password or a stack trace', () => {
    const wrong = Object.assign(new URL(superuser), { password: 'not-the-password' }).toString();
    const run = cli(['db', 'provision', '--admin-url', wrong]);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/could not connect to PostgreSQL at 127\.0\.0\.1:\d+ as postgres, database postgres: .*Check the admin URL/);
    expect(run.output).not.toContain('not-the-password');
    expect(run.output).not.toMatch(/^\s+at /m);
  });
});
