import 'reflect-metadata';
import { ConfigError, loadConfig } from '@consilium/core';
import { FailedJobs } from '@consilium/jobs';
import { OutboxStore } from '@consilium/notifications';
import path from 'node:path';
import { parseArgs, UsageError } from './args';
import { out, withApp } from './cli-app';
import { analytics } from './commands/analytics.command';
import { migrate, provision } from './commands/db.command';
import { demoCode } from './commands/demo.command';
import { outbox, testEmail } from './commands/email.command';
import { jobs } from './commands/jobs.command';
import { reconcile } from './commands/payments.command';
import { tenants, validate } from './commands/tenants.command';

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

/** Which command group's file answers: one file per group under commands/, this file only dispatches. */
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
  if (group === 'demo' && command === 'code') return demoCode();
  if (group === 'db' && command === 'provision') return provision(args, config);
  if (group === 'migrate') return migrate(config);
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
