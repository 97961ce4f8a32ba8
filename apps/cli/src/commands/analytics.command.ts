import { AnalyticsGenerator, RollupRefresher } from '@consilium/analytics';
import { OperatorDatabase } from '@consilium/core';
import { TenantDirectory } from '@consilium/tenancy';
import { INestApplicationContext } from '@nestjs/common';
import { ParsedArgs, UsageError } from '../args';
import { Cli, CommandGroup, subcommand } from '../command';

/** The conversion analytics (analytics): synthetic history for demos and benchmarks, and rollup refreshes. */
export const analyticsCommands: CommandGroup = {
  name: 'analytics',
  usage: `  npm run cli -- analytics generate --tenant <slug> --cases <n> [--days 730] [--seed 1] [--visits 6]
                                                  fill a hospital with synthetic cases, events, visits, payments,
                                                  opinions, conversions and check-ins (demo and benchmark data)
  npm run cli -- analytics refresh [slug ...]     bring the analytics rollups up to date (all hospitals by default)`,

  run(args, cli) {
    const command = subcommand(args, ['generate', 'refresh']);
    return cli.withApp((app) => (command === 'refresh' ? refresh(app, args, cli) : generate(app, args, cli)));
  },
};

async function refresh(app: INestApplicationContext, args: ParsedArgs, cli: Cli): Promise<number> {
  const all = await app.get(TenantDirectory).list();
  const refresher = app.get(RollupRefresher);
  const slugs = args.positional.slice(2);
  const chosen = slugs.length ? all.filter((t) => slugs.includes(t.slug)) : all;
  for (const slug of slugs.filter((s) => !all.some((t) => t.slug === s))) cli.out(`no tenant "${slug}"`);
  for (const t of chosen) {
    const report = await refresher.refresh(t.id, { batchSize: 20000 });
    cli.out(`${t.slug}: ${report.cases} case(s) refreshed${report.rebuilt ? ' (rebuilt)' : ''}`);
  }
  return chosen.length === slugs.length || !slugs.length ? 0 : 1;
}

async function generate(app: INestApplicationContext, args: ParsedArgs, cli: Cli): Promise<number> {
  const all = await app.get(TenantDirectory).list();
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
  cli.out(
    `${tenant.slug}: ${report.cases} cases, ${report.events} events, ${report.visits} visits, ${report.payments} payments, ${report.opinions} opinions, ${report.conversions} conversions, ${report.checkIns} check-ins in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const refreshed = await app.get(RollupRefresher).refresh(tenant.id, { batchSize: 20000 });
  cli.out(`${tenant.slug}: analytics rollups refreshed (${refreshed.cases} case(s)); open /console/analytics as an admin`);
  return 0;
}
