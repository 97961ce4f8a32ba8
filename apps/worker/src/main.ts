import './tracing';
import 'reflect-metadata';
import {
  BootLog,
  BootNestLogger,
  HealthProbe,
  Lifecycle,
  listenForProbes,
  loadConfig,
  MetricsRegistry,
  prepareDatabase,
  PreparedDatabase,
} from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { stopTracing } from '@consilium/telemetry';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import { allMigrations } from '../../../migrations';
import { WorkerModule } from './worker.module';

const log = new BootLog('worker');

/** The worker deployment: the same image as the platform, started with this entry point. */
async function main(): Promise<void> {
  // As the platform: a real service or a deliberate stand-in for payments, email and record files.
  const config = loadConfig(process.env, { services: true });
  let prepared: PreparedDatabase | undefined;
  let app: INestApplicationContext | undefined;
  let probes: Server | undefined;
  try {
    prepared = await prepareDatabase(config, { migrations: allMigrations, mode: 'shared' });
    app = await NestFactory.createApplicationContext(WorkerModule.register(config), {
      bufferLogs: true,
      abortOnError: false,
      logger: new BootNestLogger(log),
    });
    app.useLogger(app.get(Logger));
    // Probes first: an orchestrator sees the process alive while its job loops start, and ready once they poll.
    const runner = app.get(JobRunner);
    const health = app.get(HealthProbe);
    health.addCheck('jobs', () => (!runner.running ? 'stopped' : runner.fetchFailing ? 'not polling' : 'ok'));
    probes = await listenForProbes({
      port: config.raw.WORKER_PORT,
      host: config.raw.HOST,
      portVariable: 'WORKER_PORT',
      readiness: () => health.readiness(),
      metrics: app.get(MetricsRegistry),
      metricsToken: config.raw.METRICS_TOKEN,
    });
    const queues = await runner.start();
    app.get(Logger).log(`worker ready: ${queues.join(', ')} (health and metrics on port ${config.raw.WORKER_PORT})`);
  } catch (error) {
    probes?.close();
    await app?.close().catch(() => undefined);
    await prepared?.embedded?.server.stop().catch(() => undefined);
    throw error;
  }
  const running = app;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    running.get(Logger).log(`${signal} received: finishing jobs in flight, then stopping`);
    running.get(Lifecycle).beginDrain();
    // close() runs JobRunner's graceful stop (beforeApplicationShutdown) before the database pool goes away.
    await running.close();
    probes?.close();
    await prepared?.embedded?.server.stop();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch(async (error: unknown) => {
  log.failed(error);
  await stopTracing();
  process.exit(1);
});
