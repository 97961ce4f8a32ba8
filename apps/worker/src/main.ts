import 'reflect-metadata';
import { loadConfig, prepareDatabase } from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { allMigrations } from '../../../migrations';
import { WorkerModule } from './worker.module';

/** The worker deployment: the same image as the platform, started with this entry point. */
async function main(): Promise<void> {
  // As the platform: a real service or a deliberate stand-in for payments, email and record files.
  const config = loadConfig(process.env, { services: true });
  const prepared = await prepareDatabase(config, { migrations: allMigrations, mode: 'shared' });
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  const logger = app.get(Logger);
  const queues = await app.get(JobRunner).start();
  logger.log(`worker ready: ${queues.join(', ')}`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.log(`${signal} received: finishing jobs in flight, then stopping`);
    // close() runs JobRunner's graceful stop (beforeApplicationShutdown) before the database pool goes away.
    await app.close();
    await prepared.embedded?.server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // A setting to fix is said in words; anything unexpected keeps its stack for whoever debugs it.
  const known = error instanceof Error && ['ConfigError', 'EmbeddedPostgresError', 'UnsafeRuntimeRole'].includes(error.name);
  const message = error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error);
  process.stderr.write(`Consilium worker did not start: ${message}\n`);
  process.exit(1);
});
