import 'reflect-metadata';
import { currentStep, DEMO_TOTP_SECRET, totpAt } from '@consilium/identity';
import {
  AppConfig,
  ConfigError,
  loadConfig,
  OperatorDatabase,
  prepareDatabase,
  projectRoot,
  provisionDatabase,
  rolePasswordsFromUrls,
} from '@consilium/core';
import { AnalyticsGenerator, RollupRefresher } from '@consilium/analytics';
import { PaymentsReconciliation } from '@consilium/billing';
import { FailedJobs } from '@consilium/jobs';
import { EmailLocale, Mailer, OutboxStore } from '@consilium/notifications';
import { BlueprintCatalog, BlueprintExporter, formatProblem, TenantDirectory, validateBlueprints } from '@consilium/tenancy';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { allMigrations } from '../../../migrations';
import { parseArgs, ParsedArgs, UsageError } from './args';
import { CliModule } from './cli.module';

const USAGE = `Consilium operator commands

  npm run cli -- migrate                          apply pending database migrations
  npm run cli -- demo code                        the current second-factor code of the demo staff and operator
  npm run cli -- tenants validate [slug ...]      check blueprints in tenants/ (no database needed)
  npm run cli -- tenants apply [--dry-run] [slug ...]
                                                  make the database match the blueprints
  npm run cli -- tenants export <slug> [--out <folder>]
                                                  write a tenant back out as a blueprint folder (default: exported-tenants/)
  npm run cli -- tenants list                     tenants with their status and domains
  npm run cli -- tenants suspend|resume <slug>    take a hospital's site offline, or back
  npm run cli -- analytics generate --tenant <slug> --cases <n> [--days 730] [--seed 1] [--visits 6]
                                                  fill a hospital with synthetic cases, events, visits, payments,
                                                  opinions, conversions and check-ins (demo and benchmark data)
  npm run cli -- analytics refresh [slug ...]     bring the analytics rollups up to date (all hospitals by default)
  npm run cli -- payments reconcile [--days 7]     compare local payments with the provider's, list differences
  npm run cli -- jobs failed [--limit 50]          dead jobs (retries used up) with their last error
  npm run cli -- jobs retry <job id>              give a dead job one more attempt
  npm run cli -- jobs stats                       jobs per queue and state
  npm run cli -- email test <slug> <address> [--locale es]
                                                  send a hospital's test message (checks its sender and brand)
  npm run cli -- outbox list [--limit 50]         emails in the local outbox, newest first
  npm run cli -- outbox show <id> [--html]        one email: headers and text (or its HTML)
  npm run cli -- db provision --admin-url <url> [--database consilium]
                                                  create the database and its three roles on your PostgreSQL
  npm run cli -- db provision --passwords-from-env
                                                  the same, idempotently, with the roles' passwords and the database
                                                  taken from DATABASE_URL, DATABASE_OWNER_URL, DATABASE_OPERATOR_URL
                                                  (--admin-url defaults to DATABASE_ADMIN_URL)

Options: --dir <folder> reads blueprints from another folder than tenants/.
With no DATABASE_URL the commands use the embedded PostgreSQL under .data/ (started if the platform is not running).`;

const out = (line = '') => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const [group, command] = args.positional;
  if (!group || group === 'help' || args.flags.help) {
    out(USAGE);
    return group ? 0 : 2;
  }
  const config = loadConfig();
  const dir = typeof args.flags.dir === 'string' ? path.resolve(args.flags.dir) : config.tenantsDir;

  if (group === 'tenants' && command === 'validate') return validate(args, dir);
  if (group === 'demo' && command === 'code') {
    // The demo's shared authenticator seed: the embedded default's staff and operators pass their second step with it.
    const left = 30 - (Math.floor(Date.now() / 1000) % 30);
    out(
      `${totpAt(DEMO_TOTP_SECRET, currentStep())}   (valid for ${left} more second${left === 1 ? '' : 's'}; each code signs an account in once)`,
    );
    return 0;
  }
  if (group === 'db' && command === 'provision') return provision(args, config);
  if (group === 'migrate') {
    const prepared = await prepareDatabase(config, { migrations: allMigrations, mode: 'shared', migrate: true });
    out(prepared.appliedMigrations.length ? `applied: ${prepared.appliedMigrations.join(', ')}` : 'database is up to date');
    await prepared.embedded?.server.stop();
    return 0;
  }
  if (group === 'outbox' && (command === 'list' || command === 'show'))
    return outbox(new OutboxStore(config.email.outboxDir), command, args);
  if (group === 'email' && command === 'test') return withApp(config, (app) => testEmail(app, args));
  if (group === 'jobs' && ['failed', 'retry', 'stats'].includes(command)) {
    return withApp(config, (app) => jobs(app.get(FailedJobs), command, args));
  }
  if (group === 'tenants' && ['apply', 'list', 'suspend', 'resume', 'export'].includes(command)) {
    return withApp(config, (app) => tenants(app, command, args, dir));
  }
  if (group === 'analytics' && (command === 'generate' || command === 'refresh'))
    return withApp(config, (app) => analytics(app, command, args));
  if (group === 'payments' && command === 'reconcile') return withApp(config, (app) => reconcile(app, args));
  throw new UsageError(`unknown command "${args.positional.join(' ')}"`);
}

function validate(args: ParsedArgs, dir: string): number {
  const report = validateBlueprints(dir, args.positional.slice(2), projectRoot());
  for (const problem of report.problems) out(formatProblem(problem));
  for (const loaded of report.valid) out(`ok  ${loaded.file}`);
  if (!report.valid.length && !report.problems.length) out(`no blueprints found in ${dir}`);
  return report.problems.length ? 1 : 0;
}

async function tenants(app: INestApplicationContext, command: string, args: ParsedArgs, dir: string): Promise<number> {
  const slugs = args.positional.slice(2);
  if (command === 'list') {
    const rows = await app.get(TenantDirectory).list();
    for (const t of rows) out(`${t.slug.padEnd(20)} ${t.status.padEnd(10)} ${t.name}  (${t.hosts.join(', ')})`);
    if (!rows.length) out('no tenants yet: npm run cli -- tenants apply');
    return 0;
  }
  if (command === 'export') {
    if (slugs.length !== 1) throw new UsageError('tenants export takes one slug');
    const folder = path.resolve(typeof args.flags.out === 'string' ? args.flags.out : 'exported-tenants');
    const written = await app.get(BlueprintExporter).write(slugs[0], folder);
    const shown = (p: string) => path.relative(process.cwd(), p) || p;
    out(
      written
        ? `${slugs[0]}: written to ${shown(written)} (apply it with: npm run cli -- tenants apply --dir ${shown(folder)})`
        : `no tenant "${slugs[0]}"`,
    );
    return written ? 0 : 1;
  }
  if (command === 'suspend' || command === 'resume') {
    if (slugs.length !== 1) throw new UsageError(`tenants ${command} takes one slug`);
    const found = await app.get(TenantDirectory).setStatus(slugs[0], command === 'suspend' ? 'suspended' : 'active');
    out(found ? `${slugs[0]}: ${command === 'suspend' ? 'suspended' : 'active'}` : `no tenant "${slugs[0]}"`);
    return found ? 0 : 1;
  }
  const dryRun = args.flags['dry-run'] === true;
  const report = await app.get(BlueprintCatalog).apply(slugs, { dryRun, root: dir });
  for (const problem of report.problems) out(formatProblem(problem));
  if (report.problems.length) {
    out('nothing applied: fix the problems above first');
    return 1;
  }
  for (const result of report.results) {
    if (!result.changes.length) out(`${result.slug}: no changes`);
    else {
      out(`${result.slug}: ${dryRun ? 'would ' : ''}${result.changes.length} change${result.changes.length > 1 ? 's' : ''}`);
      for (const change of result.changes) out(`  - ${change}`);
    }
  }
  return 0;
}

async function analytics(app: INestApplicationContext, command: string, args: ParsedArgs): Promise<number> {
  const all = await app.get(TenantDirectory).list();
  const refresher = app.get(RollupRefresher);
  if (command === 'refresh') {
    const slugs = args.positional.slice(2);
    const chosen = slugs.length ? all.filter((t) => slugs.includes(t.slug)) : all;
    for (const slug of slugs.filter((s) => !all.some((t) => t.slug === s))) out(`no tenant "${slug}"`);
    for (const t of chosen) {
      const report = await refresher.refresh(t.id, { batchSize: 20000 });
      out(`${t.slug}: ${report.cases} case(s) refreshed${report.rebuilt ? ' (rebuilt)' : ''}`);
    }
    return chosen.length === slugs.length || !slugs.length ? 0 : 1;
  }
  const tenant = all.find((t) => t.slug === args.flags.tenant);
  if (!tenant)
    throw new UsageError(
      typeof args.flags.tenant === 'string' ? `no tenant "${args.flags.tenant}"` : 'analytics generate needs --tenant <slug>',
    );
  const whole = (name: string, fallback: number | undefined, max: number): number | undefined => {
    if (args.flags[name] === undefined) return fallback;
    const n = Number(args.flags[name]);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${name} takes a whole number up to ${max}`);
    return n;
  };
  const cases = whole('cases', undefined, 10_000_000);
  if (!cases) throw new UsageError('analytics generate needs --cases <n>');
  const started = Date.now();
  const generator = new AnalyticsGenerator((id, work) => app.get(OperatorDatabase).forTenant(id, work));
  const report = await generator.generate({
    tenantId: tenant.id,
    cases,
    days: whole('days', 730, 3650),
    seed: whole('seed', undefined, 1_000_000),
    visitsPerCase: whole('visits', 6, 100),
    onProgress: (done, total) => process.stderr.write(`\r${done} / ${total} cases`),
  });
  process.stderr.write('\n');
  out(
    `${tenant.slug}: ${report.cases} cases, ${report.events} events, ${report.visits} visits, ${report.payments} payments, ${report.opinions} opinions, ${report.conversions} conversions, ${report.checkIns} check-ins in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const refreshed = await refresher.refresh(tenant.id, { batchSize: 20000 });
  out(`${tenant.slug}: analytics rollups refreshed (${refreshed.cases} case(s)); open /console/analytics as an admin`);
  return 0;
}

async function reconcile(app: INestApplicationContext, args: ParsedArgs): Promise<number> {
  const days = args.flags.days === undefined ? 7 : Number(args.flags.days);
  if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError('--days must be a whole number of days from 1 to 90');
  const report = await app.get(PaymentsReconciliation).reconcile(days);
  out(
    `${report.provider}: since ${report.since.toISOString()}, ${report.checkedAtProvider} at the provider, ${report.checkedLocally} here`,
  );
  for (const d of report.differences) {
    const local = d.local ? `local ${d.local.status} ${d.local.capturedMinor} ${d.local.currency}` : 'no local payment';
    const remote = d.provider ? `provider ${d.provider.status} ${d.provider.receivedMinor} ${d.provider.currency}` : 'not at the provider';
    out(`  ${d.kind.padEnd(20)} ${d.paymentIntentId}  tenant ${d.tenantId ?? '?'}  payment ${d.paymentId ?? '?'}  ${local}; ${remote}`);
  }
  out(report.differences.length ? `${report.differences.length} difference(s)` : 'no differences');
  return report.differences.length ? 1 : 0;
}

async function jobs(failed: FailedJobs, command: string, args: ParsedArgs): Promise<number> {
  if (command === 'retry') {
    const id = args.positional[2];
    if (!id) throw new UsageError('jobs retry takes a job id (see jobs failed)');
    const retried = await failed.retry(id);
    out(retried ? `${id}: queued for one more attempt` : `no dead job ${id} (archived jobs cannot be retried)`);
    return retried ? 0 : 1;
  }
  if (command === 'stats') {
    const queues = await failed.counts();
    for (const q of queues)
      out(
        `${q.queue.padEnd(24)} ${Object.entries(q.counts)
          .map(([state, n]) => `${state} ${n}`)
          .join(', ')}`,
      );
    if (!queues.length) out('no jobs');
    return 0;
  }
  const rows = await failed.list(limitFlag(args));
  for (const job of rows) {
    out(
      `${job.failedAt?.toISOString() ?? '-'}  ${job.queue}  ${job.tenantSlug ?? job.tenantId ?? '-'}  attempts ${job.attempts}${job.archived ? '  (archived)' : ''}  ${job.id}`,
    );
    out(`    ${job.lastError.code}: ${job.lastError.message}`);
  }
  if (!rows.length) out('no failed jobs');
  return 0;
}

async function testEmail(app: INestApplicationContext, args: ParsedArgs): Promise<number> {
  const [slug, to] = args.positional.slice(2);
  if (!slug || !to) throw new UsageError('email test takes a tenant slug and an address');
  const tenant = (await app.get(TenantDirectory).list()).find((t) => t.slug === slug);
  if (!tenant) {
    out(`no tenant "${slug}"`);
    return 1;
  }
  const locale = typeof args.flags.locale === 'string' ? (args.flags.locale as EmailLocale) : undefined;
  const id = await app
    .get(OperatorDatabase)
    .forTenant(tenant.id, (tx) => app.get(Mailer).send(tx, { tenantId: tenant.id, to, template: 'test-message', locale, data: {} }));
  out(`queued message ${id}: the worker (or npm start, which runs the jobs in the embedded default) sends it.`);
  return 0;
}

function outbox(store: OutboxStore, command: string, args: ParsedArgs): number {
  if (command === 'list') {
    const messages = store.list(limitFlag(args));
    for (const m of messages) out(`${m.id}  ${m.date}  ${m.tenant.padEnd(12)} ${m.to.padEnd(28)} ${m.subject}`);
    if (!messages.length) out(`no messages in ${store.dir}`);
    return 0;
  }
  const id = args.positional[2];
  if (!id) throw new UsageError('outbox show takes a message id (see outbox list)');
  const message = store.read(id);
  if (!message) {
    out(`no message ${id} in ${store.dir}`);
    return 1;
  }
  if (args.flags.html) {
    out(message.html ?? '(no HTML part)');
    return 0;
  }
  for (const [label, value] of [
    ['From', message.from],
    ['To', message.to],
    ['Date', message.date],
    ['Subject', message.subject],
    ['Hospital', message.tenant],
    ['Message', `${message.template} (${message.locale})`],
    ['File', message.file],
  ]) {
    out(`${label.padEnd(9)} ${value}`);
  }
  out();
  out(message.text ?? '(no text part)');
  return 0;
}

function limitFlag(args: ParsedArgs): number {
  const limit = Number(args.flags.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new UsageError('--limit takes a whole number from 1 to 10000');
  return limit;
}

async function provision(args: ParsedArgs, config: AppConfig): Promise<number> {
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

async function withApp(config: AppConfig, work: (app: INestApplicationContext) => Promise<number>): Promise<number> {
  const prepared = await prepareDatabase(config, { migrations: allMigrations, mode: 'shared' });
  const app = await NestFactory.createApplicationContext(CliModule.register(config), { logger: ['error', 'warn'] });
  try {
    return await work(app);
  } finally {
    await app.close();
    await prepared.embedded?.server.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known =
      error instanceof Error &&
      ['ConfigError', 'UsageError', 'EmbeddedPostgresError', 'UnsafeRuntimeRole', 'BlueprintConflict'].includes(error.name);
    process.stderr.write(`${known ? error.message : ((error as Error)?.stack ?? String(error))}\n`);
    if (error instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
    process.exit(error instanceof UsageError || error instanceof ConfigError ? 2 : 1);
  },
);
