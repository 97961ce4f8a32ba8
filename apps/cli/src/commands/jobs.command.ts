import { FailedJobs } from '@consilium/jobs';
import { limitFlag, ParsedArgs, UsageError } from '../args';
import { Cli, CommandGroup, subcommand } from '../command';

/** Background jobs (jobs): the dead ones, one more attempt, counts per queue. */
export const jobsCommands: CommandGroup = {
  name: 'jobs',
  usage: `  npm run cli -- jobs failed [--limit 50]          dead jobs (retries used up) with their last error
  npm run cli -- jobs retry <job id>              give a dead job one more attempt
  npm run cli -- jobs stats                       jobs per queue and state`,

  run(args, cli) {
    const command = subcommand(args, ['failed', 'retry', 'stats']);
    return cli.withApp((app) => jobs(app.get(FailedJobs), command, args, cli));
  },
};

async function jobs(failed: FailedJobs, command: string, args: ParsedArgs, cli: Cli): Promise<number> {
  if (command === 'retry') {
    const id = args.positional[2];
    if (!id) throw new UsageError('jobs retry takes a job id (see jobs failed)');
    const retried = await failed.retry(id);
    cli.out(retried ? `${id}: queued for one more attempt` : `no dead job ${id}`);
    return retried ? 0 : 1;
  }
  if (command === 'stats') {
    const queues = await failed.counts();
    for (const q of queues)
      cli.out(
        `${q.queue.padEnd(24)} ${Object.entries(q.counts)
          .map(([state, n]) => `${state} ${n}`)
          .join(', ')}`,
      );
    if (!queues.length) cli.out('no jobs');
    return 0;
  }
  const rows = await failed.list(limitFlag(args));
  for (const job of rows) {
    cli.out(
      `${job.failedAt?.toISOString() ?? '-'}  ${job.queue}  ${job.tenantSlug ?? job.tenantId ?? '-'}  attempts ${job.attempts}  ${job.id}`,
    );
    cli.out(`    ${job.lastError.code}: ${job.lastError.message}`);
  }
  if (!rows.length) cli.out('no failed jobs');
  return 0;
}
