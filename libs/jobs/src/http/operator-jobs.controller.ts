import { Controller, Get } from '@nestjs/common';
import { Can, Layout, OperatorOnly, Page } from '@consilium/core';
import { FailedJobs } from '../failed-jobs';

/** Dead jobs with their last error, and jobs per queue and state: http://admin.localhost:3000/operator/jobs. */
@Controller('operator/jobs')
@OperatorOnly()
@Layout('plain')
export class OperatorJobsController {
  constructor(private readonly failed: FailedJobs) {}

  @Can('jobs.read')
  @Get()
  @Page('jobs/operator-jobs', { title: 'jobs.operator.title' })
  async list() {
    const [queues, dead] = await Promise.all([this.failed.counts(), this.failed.list(100)]);
    return {
      queues: queues.map((q) => ({ queue: q.queue, counts: Object.entries(q.counts).map(([state, count]) => ({ state, count })) })),
      jobs: dead.map((j) => ({ ...j, failedAt: j.failedAt ?? undefined })),
    };
  }
}
