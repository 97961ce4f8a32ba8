import './tracing';
import 'reflect-metadata';
import { AppConfig, BootLog, BootNestLogger, ConfigError, ConsiliumStore, loadConfig, prepareDatabase } from '@consilium/core';
import { stopTracing } from '@consilium/telemetry';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClsService } from 'nestjs-cls';
import { allMigrations } from '../../../migrations';
import { parseArgs, UsageError } from './args';
import { CliModule } from './cli.module';
import { CommandGroup } from './command';
import { analyticsCommands } from './commands/analytics.command';
import { dbCommands, migrateCommands } from './commands/db.command';
import { demoCommands } from './commands/demo.command';
import { emailCommands } from './commands/email.command';
import { jobsCommands } from './commands/jobs.command';
import { operatorsCommands } from './commands/operators.command';
import { outboxCommands } from './commands/outbox.command';
import { paymentsCommands } from './commands/payments.command';
import { staffCommands } from './commands/staff.command';
import { tenantsCommands } from './commands/tenants.command';

/** In the order a new installation meets them: database, operators, hospitals, their staff, then the day to day. */
const GROUPS: CommandGroup[] = [
  dbCommands,
  migrateCommands,
  operatorsCommands,
  tenantsCommands,
  staffCommands,
  demoCommands,
  analyticsCommands,
  paymentsCommands,
  jobsCommands,
  emailCommands,
  outboxCommands,
];

const USAGE = `Consilium operator commands

${GROUPS.map((g) => g.usage).join('\n')}

Options: --dir <folder> reads blueprints from another folder than tenants/.
With no DATABASE_URL the commands use the embedded PostgreSQL under .data/ (started if the platform is not running).`;

const out = (line = '') => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const [name] = args.positional;
  if (!name || name === 'help' || args.flags.help) {
    out(USAGE);
    return name ? 0 : 2;
  }
  const group = GROUPS.find((g) => g.name === name);
  if (!group) throw new UsageError(`unknown command "${args.positional.join(' ')}"`);
  const config = loadConfig();
  try {
    return await group.run(args, { config, out, withApp: (work) => withApp(config, work), readStdin });
  } catch (error) {
    if (error instanceof UsageError) error.usage ??= group.usage;
    throw error;
  }
}

async function withApp(config: AppConfig, work: (app: INestApplicationContext) => Promise<number>): Promise<number> {
  const prepared = await prepareDatabase(config, { migrations: allMigrations, mode: 'shared' });
  try {
    // Warnings and errors only, as lines of their own (JSON in production): the command's output is for a person.
    const app = await NestFactory.createApplicationContext(CliModule.register(config), {
      abortOnError: false,
      logger: new BootNestLogger(new BootLog('cli')),
    });
    try {
      // Audit rows written by a command say where they came from.
      const cls = app.get<ClsService<ConsiliumStore>>(ClsService);
      return await cls.run(() => {
        cls.set('userAgent', 'consilium cli');
        return work(app);
      });
    } finally {
      await app.close();
    }
  } finally {
    await prepared.embedded?.server.stop();
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (text += chunk));
    process.stdin.once('end', () => resolve(text));
    process.stdin.once('error', reject);
  });
}

main(process.argv.slice(2)).then(
  async (code) => {
    await stopTracing();
    process.exit(code);
  },
  async (error: unknown) => {
    // What went wrong and what to check (an unreachable database names its variable): JSON in production.
    const log = new BootLog('cli');
    log.failed(error);
    if (error instanceof UsageError && !log.json) process.stderr.write(`\n${error.usage ?? USAGE}\n`);
    await stopTracing();
    process.exit(error instanceof UsageError || error instanceof ConfigError ? 2 : 1);
  },
);
