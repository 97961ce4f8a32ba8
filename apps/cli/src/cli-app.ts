import { AppConfig, prepareDatabase } from '@consilium/core';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { allMigrations } from '../../../migrations';
import { ParsedArgs, UsageError } from './args';
import { CliModule } from './cli.module';

/** One line of a command's output. */
export const out = (line = '') => process.stdout.write(`${line}\n`);

/** Runs a command in the CLI's Nest context on a migrated database (the embedded one when none is configured). */
export async function withApp(config: AppConfig, work: (app: INestApplicationContext) => Promise<number>): Promise<number> {
  const prepared = await prepareDatabase(config, { migrations: allMigrations, mode: 'shared' });
  const app = await NestFactory.createApplicationContext(CliModule.register(config), { logger: ['error', 'warn'] });
  try {
    return await work(app);
  } finally {
    await app.close();
    await prepared.embedded?.server.stop();
  }
}

/** `--limit` of the listing commands (jobs failed, outbox list). */
export function limitFlag(args: ParsedArgs): number {
  const limit = Number(args.flags.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new UsageError('--limit takes a whole number from 1 to 10000');
  return limit;
}
