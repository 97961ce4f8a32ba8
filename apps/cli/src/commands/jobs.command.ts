import { FailedJobs } from '@consilium/jobs';
import { ParsedArgs, UsageError } from '../args';
import { limitFlag, out } from '../cli-app';

/** `jobs failed|retry|stats`. */
export async function jobs(failed: FailedJobs, command: string, args: ParsedArgs): Promise<number> {
  if (command === 'retry') {
    const id = args.positional[2];
    if (!id) throw new UsageError('jobs retry takes a job id (see jobs failed)');
    const retried = await failed.retry(id);
    out(retried ? `${id}: queued for one more attempt` : `no dead job ${id} (archived jobs cannot be retried)`);
    return retried ? 0 : 1;
  }
  if (command === 'stats') {
    const queues = await failed.counts();
    for (const q of queues)
      out(
        `${q.queue.padEnd(24)} ${Object.entries(q.counts)
          .map(([state, n]) => `${state} ${n}`)
          .join(', ')}`,
      );
    if (!queues.length) out('no jobs');
    return 0;
  }
  const rows = await failed.list(limitFlag(args));
  for (const job of rows) {
    out(
      `${job.failedAt?.toISOString() ?? '-'}  ${job.queue}  ${job.tenantSlug ?? job.tenantId ?? '-'}  attempts ${job.attempts}${job.archived ? '  (archived)' : ''}  ${job.id}`,
    );
    out(`    ${job.lastError.code}: ${job.lastError.message}`);
  }
  if (!rows.length) out('no failed jobs');
  return 0;
}
