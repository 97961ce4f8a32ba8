import { Injectable, Logger } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { inJobSpan, JobTraceContext } from '@consilium/telemetry';
import type { JobWithMetadata } from 'pg-boss';
import { EffectLedger } from './effect-ledger';
import { JobDefinition, TenantJobPayload } from './job-definition';
import { describeFailure, JobError, PermanentJobError } from './job-errors';
import { JobContext, JobHandlerInstance } from './job-handler.decorator';
import { JobMetrics } from './job-metrics';
import { PgBossClient } from './pg-boss-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One attempt of one job: build its context, run the handler within the job's time limit, record the outcome. */
@Injectable()
export class JobExecution {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly client: PgBossClient,
    private readonly db: TenantDatabase,
    private readonly ledger: EffectLedger,
    private readonly metrics: JobMetrics,
  ) {}

  async run(
    definition: JobDefinition,
    handler: JobHandlerInstance<TenantJobPayload>,
    job: JobWithMetadata<TenantJobPayload>,
  ): Promise<void> {
    const attempt = job.retryCount + 1;
    const tenantId = job.data?.tenantId;
    const started = performance.now();
    try {
      if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
        throw new PermanentJobError('no_tenant', 'The job payload has no tenantId, so it cannot run in a tenant transaction.');
      }
      const context: JobContext<TenantJobPayload> = {
        id: job.id,
        name: job.name,
        tenantId,
        payload: job.data,
        attempt,
        maxAttempts: job.retryLimit + 1,
        transaction: (work) => this.db.forTenant(tenantId, work),
        once: (tx, key, perform) => this.ledger.once(tx, { tenantId, jobName: job.name, jobId: job.id, attempt }, key, perform),
      };
      // The attempt continues the trace of whatever enqueued the job (job data carries its traceparent).
      const span = { queue: job.name, id: job.id, attempt, tenantId };
      const output = await inJobSpan(span, job.data as JobTraceContext, () => withinSeconds(handler.handle(context), job.expireInSeconds));
      // Fenced to this attempt: if it outlived its expiry and was retried meanwhile, the retry is left alone.
      await this.client.worker.complete(job.name, attemptOf(job), output ?? { outcome: 'done' });
      this.metrics.attempted(job.name, 'completed', (performance.now() - started) / 1000);
      this.logger.debug({ jobId: job.id, queue: job.name, tenantId, attempt, ms: Math.round(performance.now() - started) }, 'job done');
    } catch (error) {
      const dead = await this.recordFailure(job, error, attempt, tenantId);
      this.metrics.attempted(job.name, dead ? 'failed' : 'retried', (performance.now() - started) / 1000);
    }
  }

  private async recordFailure(
    job: JobWithMetadata<TenantJobPayload>,
    error: unknown,
    attempt: number,
    tenantId: unknown,
  ): Promise<boolean> {
    const failure = describeFailure(error, attempt);
    const dead = failure.permanent || attempt > job.retryLimit;
    try {
      if (failure.permanent) {
        // pg-boss has no "fail without retry": using up the retries makes its fail() mark the job failed now.
        await this.client.worker
          .getDb()
          .executeSql(
            `UPDATE pgboss.job SET retry_limit = retry_count WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`,
            [job.name, job.id, job.retryCount],
          );
      }
      await this.client.worker.fail(job.name, attemptOf(job), { ...failure });
    } catch (recordError) {
      // The job stays active; pg-boss expires it and it is retried. Nothing is lost.
      this.logger.error(
        { jobId: job.id, queue: job.name, err: { message: (recordError as Error).message } },
        'could not record a job failure',
      );
    }
    const fields = { jobId: job.id, queue: job.name, tenantId, attempt, code: failure.code, error: failure.error, reason: failure.message };
    if (dead) this.logger.error(fields, failure.permanent ? 'job failed permanently' : 'job failed: retries used up');
    else this.logger.warn(fields, 'job attempt failed; it will be retried');
    return dead;
  }
}

/** The attempt a settle call is limited to (pg-boss 12 fences complete and fail by retry count). */
function attemptOf(job: JobWithMetadata<TenantJobPayload>): { id: string; retryCount: number } {
  return { id: job.id, retryCount: job.retryCount };
}

function withinSeconds<T>(work: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new JobError('timeout', `The attempt ran longer than the job's limit of ${seconds} s.`)),
      seconds * 1000,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
