import 'reflect-metadata';
import {
  acquireProcessLock,
  AppConfig,
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
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { allMigrations } from '../../../migrations';
import { readyBanner } from './banner';
import { PlatformModule } from './platform.module';
import { DemoAccount, DemoAccounts } from '@consilium/identity';

const say = (message: string) => process.stdout.write(`${message}\n`);
const DUPLICATE_SIGNAL_MS = 1000;

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
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
      const slugs = await applyTenants(app);
      // Demo accounts exist only where blueprints are applied at boot: the embedded default.
      if (config.embedded) demo = await app.get(DemoAccounts).ensure(slugs);
    }
    await listen(app, config);
    // The embedded default has no separate worker: this process runs the job handlers too (JOBS_RUN_IN_PLATFORM).
    if (config.jobs.runInPlatform) await app.get(JobRunner).start();
    // The nightly comparison with the payment provider: every instance checks, one runs it (a row per day).
    app.get(ReconciliationSchedule).start();
    // Unfinished resumable uploads are removed once expired, from the database and from this instance's disk.
    app.get(UploadSweep).start();
    // Abuse-limit buckets that have filled up again are deleted (a missing row is a full bucket).
    app.get(RateLimiter).startSweep();
    const tenants = config.database.operator ? await app.get(TenantDirectory).list() : [];
    say(readyBanner(config, tenants, (performance.now() - started) / 1000, database.embedded?.server.port, demo));
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database?.embedded?.server.stop().catch(() => undefined);
    release();
    throw error;
  }
}

async function applyTenants(app: NestFastifyApplication): Promise<string[]> {
  const report = await app.get(BlueprintCatalog).apply();
  for (const problem of report.problems) say(`blueprint problem: ${formatProblem(problem)}`);
  for (const result of report.results) {
    if (result.changes.length) say(`tenant ${result.slug}: ${result.changes.length} change(s) applied`);
  }
  return report.results.map((r) => r.slug);
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

main().catch((error: unknown) => {
  const known =
    error instanceof Error && ['ConfigError', 'EmbeddedPostgresError', 'UnsafeRuntimeRole', 'AlreadyRunning'].includes(error.name);
  process.stderr.write(`\nConsilium did not start: ${known ? error.message : ((error as Error)?.stack ?? String(error))}\n`);
  process.exit(1);
});
