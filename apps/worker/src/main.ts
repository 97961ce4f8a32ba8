import './tracing';
import 'reflect-metadata';
import { loadConfig, prepareDatabase } from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { allMigrations } from '../../../migrations';
import { WorkerModule } from './worker.module';

/** The worker deployment: the same image as the platform, started with this entry point. */
async function main(): Promise<void> {
  const config = loadConfig();
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
  process.stderr.write(`Consilium worker did not start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
