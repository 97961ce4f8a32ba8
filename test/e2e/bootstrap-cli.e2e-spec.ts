import { OutboxStore } from '@consilium/notifications';
import { toYaml } from '@consilium/tenancy';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { enrolSecondFactor, expectSays, printedLink, runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { createFreshDatabase, FreshDatabase } from '../support/fresh-database';
import { RunningProcess, startProcess } from '../support/processes';
import { tempDir } from '../support/temp-dirs';
import { testBlueprint } from '../support/tenants';
import { WebClient } from '../support/web-client';

/**
 * deploy/README.md's walk, from an empty database to a hospital's admin signed in, with the built CLI and platform
 * (and the worker sending email) as an operator runs them, NODE_ENV=production, no demo anywhere: the database is a
 * fresh one, the hospital's blueprint is a real one (no `demo: true`). Email goes to the local outbox, chosen on
 * purpose (EMAIL_TRANSPORT=outbox), so the test can read the invitation as the admin would.
 */
describe('bootstrapping an installation with the CLI alone', () => {
  const data = tempDir('bootstrap');
  const tenantsDir = path.join(data.dir, 'tenants');
  const outboxDir = path.join(data.dir, 'outbox');
  const suffix = randomBytes(3).toString('hex');
  const hospital = `rh-${suffix}`;
  const other = `ot-${suffix}`;
  let fresh: FreshDatabase;
  let env: Record<string, string>;
  const running: RunningProcess[] = [];
  const OPERATOR = `ops.${suffix}@consilium.example`;
  const ADMIN = `chief.${suffix}@hospital.example`;
  const PASSWORD = 'the admin chose this passphrase';

  beforeAll(async () => {
    fresh = await createFreshDatabase();
    for (const slug of [hospital, other]) {
      mkdirSync(path.join(tenantsDir, slug, 'assets'), { recursive: true });
      writeFileSync(
        path.join(tenantsDir, slug, 'tenant.yaml'),
        toYaml(testBlueprint(slug, { name: `Real Hospital ${slug}`, locales: ['en', 'es'] })),
      );
      writeFileSync(
        path.join(tenantsDir, slug, 'assets', 'logo.svg'),
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      );
    }
    env = {
      ...fresh.env,
      NODE_ENV: 'production',
      PAYMENTS_PROVIDER: 'demo',
      EMAIL_TRANSPORT: 'outbox',
      RECORDS_STORAGE: 'local',
      SMS_TRANSPORT: 'outbox',
      DATA_DIR: data.dir,
      EMAIL_OUTBOX_DIR: outboxDir,
      TENANTS_DIR: tenantsDir,
    };
  }, 180_000);

  afterAll(async () => {
    for (const p of running) await p.stop();
    await fresh?.drop();
    data.remove();
  });

  // Each test runs the built CLI several times and whole processes on two shared cores: bounded, but not by Jest's minute.
  const platform = async (): Promise<RunningProcess> => {
    const started = await startProcess('platform', env);
    running.push(started);
    return started;
  };
  const operatorDb = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: fresh.env.DATABASE_OPERATOR_URL });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  it('migrate: on a migrated database there is nothing to do, every time', () => {
    for (let i = 0; i < 2; i++) expectSays(runCli(['migrate'], env), 0, /up to date.*nothing to do/);
  }, 120_000);

  it('operators create: a one-time link, a password, two-step verification at first sign-in, then the console; twice is "already exists"', async () => {
    const created = runCli(['operators', 'create', '--email', OPERATOR, '--name', 'First Operator'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`Created operator ${OPERATOR}.`);
    const link = printedLink(created.stdout);
    const again = runCli(['operators', 'create', '--email', OPERATOR.toUpperCase()], env);
    expectSays(again, 0, `Operator ${OPERATOR} already exists: nothing to do.`);
    expect(again.stdout).not.toContain('/operator/welcome/');

    const p = await platform();
    const operator = new WebClient(p.url, 'admin.localhost');
    // Until the link is used, there is no password to sign in with.
    expect((await operator.submit('/operator/sign-in', { email: OPERATOR, password: PASSWORD })).status).toBe(400);
    const page = await operator.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain(OPERATOR);
    expect(page.headers['cache-control']).toBe('no-store');
    const weak = await operator.post(link, { password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('id="f-password-error"');
    const chosen = await operator.post(link, { password: PASSWORD });
    expect(chosen).toMatchObject({ status: 303, location: '/operator/mfa' });
    // Not yet in: the second factor comes first.
    expect((await operator.get('/operator')).status).toBe(303);
    await enrolSecondFactor(operator, '/operator/mfa');
    const home = await operator.get('/operator');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Demo payments: no money moves');

    // The link worked once.
    const reused = await new WebClient(p.url, 'admin.localhost').get(link);
    expect(reused.text).toContain('This link has expired or was already used');
    expect(reused.text).not.toContain(OPERATOR);
    // No demo operator in a real installation.
    const demo = await new WebClient(p.url, 'admin.localhost').submit('/operator/sign-in', {
      email: 'operator@consilium.localhost',
      password: 'demo-second-opinion',
    });
    expect(demo.status).toBe(400);

    expect(runCli(['operators', 'list'], env).stdout).toMatch(new RegExp(`${OPERATOR.replace(/\./g, '\\.')}\\s+ready\\s+First Operator`));
    expect(
      await operatorDb<{ action: string }>(
        `SELECT action FROM operator_audit_events WHERE entity_id = (SELECT id FROM operators WHERE email = $1) ORDER BY occurred_at`,
        [OPERATOR],
      ),
    ).toEqual([{ action: 'operator.create' }, { action: 'operator.password_set' }]);
  }, 240_000);

  it('operators create --password-stdin sets the password; bad input says what to fix and creates nothing', async () => {
    const email = `stdin.${suffix}@consilium.example`;
    const weak = runCli(['operators', 'create', '--email', email, '--password-stdin'], env, 'short\n');
    expect(weak.code).toBe(2);
    expect(weak.output).toContain('the password from standard input:');
    expect(weak.output).not.toMatch(/^\s+at /m);
    expect(runCli(['operators', 'list'], env).stdout).not.toContain(email);

    const made = runCli(['operators', 'create', '--email', email, '--password-stdin'], env, `${PASSWORD}\n`);
    expectSays(made, 0, 'with the password from standard input');
    expect(made.stdout).not.toContain(PASSWORD);
    expectSays(
      runCli(['operators', 'create', '--email', email, '--password-stdin'], env, 'another passphrase entirely\n'),
      0,
      'already exists: nothing to do',
    );
    const p = running[0] ?? (await platform());
    const client = new WebClient(p.url, 'admin.localhost');
    // The first password stands: "already exists" changed nothing.
    expect(await client.submit('/operator/sign-in', { email, password: PASSWORD })).toMatchObject({
      status: 303,
      location: '/operator/mfa',
    });
    await enrolSecondFactor(client, '/operator/mfa');
    expect((await client.get('/operator')).status).toBe(200);

    // Every argument check is in apps/cli/src/commands/arguments.spec.ts; here, what the built CLI does with one.
    const usage = runCli(['operators', 'create', '--email', 'not-an-address'], env);
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('--email must be an email address');
    expect(usage.output).toContain('npm run cli -- operators create --email <address>'); // the group's usage
    expectSays(runCli(['operators', 'link', '--email', `nobody.${suffix}@consilium.example`], env), 1, 'no operator');
  }, 240_000);

  it('tenants apply, then staff invite: the invitation email in the outbox, accepted, the admin signed in; twice is "already on the staff"', async () => {
    const applied = runCli(['tenants', 'apply'], env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`create tenant ${hospital}`);
    expect(runCli(['tenants', 'apply'], env).stdout).toContain(`${hospital}: no changes`);

    const invited = runCli(['staff', 'invite', '--tenant', hospital, '--email', ADMIN, '--role', 'admin', '--name', 'Chief Admin'], env);
    expectSays(invited, 0, `${hospital}: invited ${ADMIN} as admin.`);
    const twice = runCli(['staff', 'invite', '--tenant', hospital, '--email', ADMIN, '--role', 'admin'], env);
    expectSays(twice, 0, `${ADMIN} is already on the staff (admin): nothing to do.`);

    // The normal email path: a job the worker runs, in the hospital's brand, into the outbox.
    running.push(await startProcess('worker', env));
    const outbox = new OutboxStore(outboxDir);
    const message = await eventually(() => {
      const found = outbox.list(100).filter((m) => m.to === ADMIN);
      expect(found).toHaveLength(1);
      return outbox.read(found[0].id)!;
    }, 30000);
    expect(message.template).toBe('staff-invitation');
    const url = new URL(/https?:\/\/\S+\/console\/invitation\/[A-Za-z0-9_-]+/.exec(message.text!)![0]);
    expect(url.hostname).toBe(`${hospital}.localhost`);

    const p = running.find((r) => r.port) ?? (await platform());
    // Another hospital's host knows nothing of the invitation.
    const elsewhere = await new WebClient(p.url, `${other}.localhost`).get(url.pathname);
    expect(elsewhere.text).not.toContain(ADMIN);

    const admin = new WebClient(p.url, `${hospital}.localhost`);
    expect((await admin.get(url.pathname)).text).toContain(ADMIN);
    expect(await admin.post(url.pathname, { password: PASSWORD })).toMatchObject({ status: 303, location: '/console/sign-in?ready=1' });
    const signIn = await admin.submit('/console/sign-in', { email: ADMIN, password: PASSWORD });
    expect(signIn.status).toBe(303);
    expect(signIn.location).toMatch(/^\/console\/mfa/);
    await enrolSecondFactor(admin, '/console/mfa');
    const consolePage = await admin.get('/console');
    expect(consolePage.status).toBe(200);
    expect(consolePage.text).toContain('/console/staff'); // an admin's menu
    for (const banner of [
      'Demo payments: no money moves',
      'Email goes to a local outbox, not to people',
      'Records are stored on this server',
    ])
      expect(consolePage.text).toContain(banner);
    const spanish = await admin.get('/console?lang=es');
    expect(spanish.text).toContain('Pagos de demostración: no se mueve dinero');

    // The admin is theirs alone: not an account at the other hospital, and the session means nothing there.
    const otherHost = new WebClient(p.url, `${other}.localhost`);
    expect((await otherHost.submit('/console/sign-in', { email: ADMIN, password: PASSWORD })).status).toBe(400);
    for (const [k, v] of admin.cookies) otherHost.cookies.set(k, v);
    expect((await otherHost.get('/console')).status).not.toBe(200);
    // No demo accounts on a real hospital.
    const demo = await new WebClient(p.url, `${hospital}.localhost`).submit('/console/sign-in', {
      email: `admin@${hospital}.example`,
      password: 'demo-second-opinion',
    });
    expect(demo.status).toBe(400);

    // Audited on both sides of the crossing: the operator log and the hospital's own.
    const [tenant] = await operatorDb<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [hospital]);
    expect(await operatorDb('SELECT action, user_agent FROM operator_audit_events WHERE entity_id = $1', [tenant.id])).toEqual([
      { action: 'tenant.invite_admin', user_agent: 'consilium cli' },
    ]);
    expect(
      await operatorDb("SELECT actor_kind, outcome FROM audit_events WHERE tenant_id = $1 AND action = 'staff.invite'", [tenant.id]),
    ).toEqual([{ actor_kind: 'operator', outcome: 'allowed' }]);
  }, 300_000);

  it('staff invite: an unknown hospital is not found, and no account is made anywhere', async () => {
    const stray = `stray.${suffix}@hospital.example`;
    expectSays(
      runCli(['staff', 'invite', '--tenant', 'no-such-hospital', '--email', stray, '--role', 'admin'], env),
      1,
      'no tenant "no-such-hospital"',
    );
    expect(await operatorDb('SELECT tenant_id FROM accounts WHERE email = $1', [stray])).toEqual([]);
  }, 120_000);
});
