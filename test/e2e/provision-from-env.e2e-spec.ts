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
