import { Controller, Get, Header } from '@nestjs/common';
import { AppConfig, Can, NotFound, RequestContext, ViewRenderer } from '@consilium/core';
import { FailedJobs } from '../failed-jobs';

/** Dead jobs with their last error, and jobs per queue and state: http://admin.localhost:3000/operator/jobs. */
@Controller('operator/jobs')
export class OperatorJobsController {
  constructor(
    private readonly failed: FailedJobs,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  @Can('jobs.read')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async list(): Promise<string> {
    // Fails closed when no access guard identified an operator (an app that does not mount identity).
    if (this.context.host() !== this.config.operatorHost || this.context.actor()?.kind !== 'operator') throw new NotFound();
    const [queues, dead] = await Promise.all([this.failed.counts(), this.failed.list(100)]);
    const rows = queues.map((q) => ({
      queue: q.queue,
      counts: Object.entries(q.counts)
        .map(([state, n]) => `${state} ${n}`)
        .join(', '),
    }));
    const jobs = dead.map((j) => ({ ...j, failedAt: j.failedAt?.toISOString() ?? '' }));
    return this.views.render('jobs/operator-jobs', { title: 'Jobs', queues: rows, jobs }, { layout: 'plain' });
  }
}
