import { EmbeddedDatabase, runMigrations, startEmbeddedDatabase } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { allMigrations } from '../../migrations';
import { freePort } from '../support/ports';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { createTestPeople, createTestTenant } from '../support/tenants';
import { createTestApp } from '../support/test-app';

/**
 * deploy/restore-drill.sh against a real server. pg_dump cannot dump a newer server than itself, and the machine's
 * client (Debian 12: PostgreSQL 15) is older than the embedded 18, so the drill runs against a PostgreSQL of the
 * client's own major, from Debian's server package (postgresql-15), with the real migrations and real tenant data.
 * Without that package the drill is skipped with a note; the version refusal is checked against the embedded 18.
 */
const script = path.resolve(__dirname, '../../deploy/restore-drill.sh');
const clientMajor = (() => {
  const run = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? Number(/ (\d+)(\.\d+)*/.exec(run.stdout)![1]) : undefined;
})();
const binDir = clientMajor ? `/usr/lib/postgresql/${clientMajor}/bin` : undefined;
const serverAvailable = !!binDir && existsSync(path.join(binDir, 'postgres'));
if (!clientMajor) console.warn('restore drill: pg_dump is not installed (apt-get install postgresql-client); skipped');
else if (!serverAvailable)
  console.warn(`restore drill: no PostgreSQL ${clientMajor} server here (apt-get install postgresql-${clientMajor}); skipped`);

const drill = (env: Record<string, string>, ...args: string[]) => {
  const run = spawnSync('bash', [script, ...args], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};

(serverAvailable ? describe : describe.skip)(`restore drill on PostgreSQL ${clientMajor}`, () => {
  let dataDir: string;
  let db: EmbeddedDatabase;
  let source: string;

  const sql = async (database: string, text: string) => {
    const c = new Client({ connectionString: db.server.superuserUrl(database) });
    await c.connect();
    try {
      return (await c.query(text)).rows;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-drill-'));
    chmodSync(dataDir, 0o755);
    db = await startEmbeddedDatabase({ dataDir, port: await freePort(), binDir, settings: { fsync: 'off' } });
    await runMigrations(db.urls.owner, allMigrations);
    // Real data through the app: two hospitals with staff (roles, MFA secrets) and a patient each.
    const app = await createTestApp(
      { DATABASE_URL: db.urls.runtime, DATABASE_OWNER_URL: db.urls.owner, DATABASE_OPERATOR_URL: db.urls.operator },
      { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    try {
      for (let i = 0; i < 2; i++) await createTestPeople(app, await createTestTenant(app));
    } finally {
      await app.close();
    }
    source = db.server.superuserUrl('consilium');
  }, 120000);

  afterAll(async () => {
    await db?.server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('dumps, restores into a fresh database, finds every row, policy and grant, then drops it', async () => {
    const run = drill({ SOURCE_DATABASE_URL: source });
    expect(run).toEqual({ status: 0, output: expect.stringContaining('restore drill passed') });
    expect(run.output).toMatch(/rows: \d+ tables, \d+ rows, equal to the source/);
    const [{ forced, policies }] = await sql(
      'consilium',
      `SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relforcerowsecurity)::int AS forced,
              (SELECT count(*) FROM pg_policies WHERE schemaname = 'public')::int AS policies`,
    );
    expect(forced).toBeGreaterThan(10);
    expect(run.output).toContain(`row-level security: ${forced} tables enabled and forced, ${policies} policies`);
    expect(run.output).toContain('runtime role with no tenant set: sees no tenant row');
    expect(Number(/(\d+) rows, equal/.exec(run.output)![1])).toBeGreaterThan(20);
    expect(await sql('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'consilium_drill_%'")).toEqual([]);
  });

  it('fails, naming the table, when a restored database lost rows or a FORCEd flag', async () => {
    const kept = drill({ SOURCE_DATABASE_URL: source }, '--keep');
    expect(kept.status).toBe(0);
    const target = /kept (consilium_drill_\w+)/.exec(kept.output)![1];
    try {
      await sql(target, 'ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY');
      const unforced = drill({ SOURCE_DATABASE_URL: source }, 'verify', target);
      expect(unforced.status).toBe(1);
      expect(unforced.output).toMatch(/> accounts\|t\|f\|consilium_owner/);

      await sql(
        target,
        'ALTER TABLE accounts FORCE ROW LEVEL SECURITY; DELETE FROM recovery_codes; DELETE FROM staff_roles WHERE role = $$physician$$',
      );
      const lost = drill({ SOURCE_DATABASE_URL: source }, 'verify', target);
      expect(lost.status).toBe(1);
      expect(lost.output).toMatch(/< staff_roles\|\d+/);
    } finally {
      await sql('postgres', `DROP DATABASE "${target}" WITH (FORCE)`);
    }
  });

  it("fails when the restore server's runtime role can bypass row-level security, though every policy matches", async () => {
    const kept = drill({ SOURCE_DATABASE_URL: source }, '--keep');
    const target = /kept (consilium_drill_\w+)/.exec(kept.output)![1];
    // Roles belong to the server, not the dump: one created by hand on a new server may carry BYPASSRLS.
    await sql('postgres', 'ALTER ROLE consilium_app BYPASSRLS');
    try {
      const run = drill({ SOURCE_DATABASE_URL: source }, 'verify', target);
      expect(run.status).toBe(1);
      expect(run.output).toContain('the runtime role sees tenant rows with no tenant set');
      expect(run.output).toMatch(/ accounts\|\d+/);
    } finally {
      await sql('postgres', 'ALTER ROLE consilium_app NOBYPASSRLS');
      await sql('postgres', `DROP DATABASE "${target}" WITH (FORCE)`);
    }
  });
});

describe('restore drill version check', () => {
  (clientMajor && clientMajor < 18 ? it : it.skip)('refuses to dump a newer server than its pg_dump, saying what to use', () => {
    const run = drill({ SOURCE_DATABASE_URL: process.env.TEST_DATABASE_SUPERUSER_URL!.replace(/\/postgres$/, '/consilium') });
    expect(run.status).toBe(3);
    expect(run.output).toContain(`pg_dump ${clientMajor} cannot dump a PostgreSQL 18 server`);
  });
});
