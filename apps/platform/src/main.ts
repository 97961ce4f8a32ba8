import './tracing';
import 'reflect-metadata';
import {
  acquireProcessLock,
  AppConfig,
  BootLog,
  ConfigError,
  createWebApp,
  Lifecycle,
  loadConfig,
  prepareDatabase,
  PreparedDatabase,
  RateLimiter,
} from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { ReconciliationSchedule } from '@consilium/billing';
import { UploadSweep } from '@consilium/records';
import { BlueprintCatalog, formatProblem, TenantDirectory } from '@consilium/tenancy';
import { stopTracing } from '@consilium/telemetry';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { allMigrations } from '../../../migrations';
import { readyBanner } from './banner';
import { PlatformModule } from './platform.module';
import { DemoAccount, DemoAccounts } from '@consilium/identity';

// Until the application's logger is up, and for the start-up story: text for a person, JSON lines in production.
const log = new BootLog('platform');
const say = (message: string) => log.info(message);
const DUPLICATE_SIGNAL_MS = 1000;

async function main(): Promise<void> {
  const started = performance.now();
  // Payments, email and record files must each be a real service or a deliberate stand-in (PAYMENTS_PROVIDER,
  // EMAIL_TRANSPORT, RECORDS_STORAGE): in production nothing falls back to a demo quietly.
  const config = loadConfig(process.env, { services: true });
  const release = config.embedded ? acquireProcessLock(config.dataDir, 'platform') : () => undefined;
  let database: PreparedDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  let stoppingSince = 0;

  const stop = async (signal: string) => {
    if (stoppingSince) {
      // `npm start` forwards the signal it got to us, and a signal to the whole process group (Ctrl-C, a supervisor)
      // reaches us as well: the same request twice within moments. Only a later one (Ctrl-C again) means "now".
      if (Date.now() - stoppingSince < DUPLICATE_SIGNAL_MS) return;
      say('Stopping immediately.');
      release();
      // The embedded PostgreSQL's keeper sees this process go and stops the server (fast shutdown).
      process.exit(1);
    }
    stoppingSince = Date.now();
    say(`\n${signal} received: finishing requests in flight, then stopping.`);
    try {
      if (app) {
        app.get(Lifecycle).beginDrain();
        // Load balancers see readiness fail before the listener goes away.
        await new Promise((r) => setTimeout(r, config.shutdownDrainMs));
        await app.close();
      }
      await database?.embedded?.server.stop();
      await stopTracing();
    } finally {
      release();
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    if (config.embedded) say(`Starting the embedded PostgreSQL in ${config.dataDir} ...`);
    database = await prepareDatabase(config, { migrations: allMigrations, mode: 'own', log: say });
    if (database.appliedMigrations.length) say(`Applied migrations: ${database.appliedMigrations.join(', ')}`);

    app = await createWebApp(PlatformModule.register(config), config);
    // Modules register their blueprint sections and views when initialised: before applying, not at listen().
    await app.init();
    let demo: DemoAccount[] = [];
    if (config.applyTenantsOnBoot) {
      const demoSlugs = await applyTenants(app);
      // Demo accounts exist only where blueprints are applied at boot, in the embedded default, and only for the
      // hospitals whose blueprint says `demo: true`.
      if (config.embedded) demo = await app.get(DemoAccounts).ensure(demoSlugs);
    }
    // The embedded default has no separate worker: this process runs the job handlers too (JOBS_RUN_IN_PLATFORM).
    if (config.jobs.runInPlatform) await app.get(JobRunner).start();
    // What the banner lists is read now: once the listener is open (and readiness answers 200), a database that goes
    // away must not stop a process that has started; that is what readiness is for.
    const tenants = !log.json && config.database.operator ? await app.get(TenantDirectory).list() : [];
    await listen(app, config);
    // The nightly comparison with the payment provider: every instance checks, one runs it (a row per day).
    app.get(ReconciliationSchedule).start();
    // Unfinished resumable uploads are removed once expired, from the database and from this instance's disk.
    app.get(UploadSweep).start();
    // Abuse-limit buckets that have filled up again are deleted (a missing row is a full bucket).
    app.get(RateLimiter).startSweep();
    const seconds = (performance.now() - started) / 1000;
    if (log.json) {
      log.info('Consilium is ready', { seconds: Math.round(seconds * 10) / 10, port: config.port, embedded: config.embedded });
    } else {
      say(readyBanner(config, tenants, seconds, database.embedded?.server.port, demo));
    }
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database?.embedded?.server.stop().catch(() => undefined);
    release();
    throw error;
  }
}

/** Applies tenants/; answers the slugs of the demo hospitals among them. */
async function applyTenants(app: NestFastifyApplication): Promise<string[]> {
  const report = await app.get(BlueprintCatalog).apply();
  for (const problem of report.problems) say(`blueprint problem: ${formatProblem(problem)}`);
  // Edits made in a console since the last apply are kept: a restart never undoes them.
  for (const kept of report.kept) say(`tenant ${kept.slug}: blueprint not applied, console edits kept (${kept.paths.join(', ')})`);
  for (const result of report.results) {
    if (result.changes.length) say(`tenant ${result.slug}: ${result.changes.length} change(s) applied`);
  }
  return report.results.filter((r) => r.demo).map((r) => r.slug);
}

async function listen(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  try {
    await app.listen({ port: config.port, host: config.raw.HOST });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError([`PORT: port ${config.port} is already in use; set PORT to a free port (e.g. PORT=3001 npm start)`]);
    }
    throw error;
  }
}

main().catch(async (error: unknown) => {
  log.failed(error);
  await stopTracing();
  process.exit(1);
});
