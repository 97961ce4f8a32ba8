import { Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ViewRenderer } from '@consilium/core';
import path from 'node:path';
import { EffectLedger } from './effect-ledger';
import { FailedJobs } from './failed-jobs';
import { OperatorJobsController } from './http/operator-jobs.controller';
import { JobExecution } from './job-execution';
import { JobMetrics } from './job-metrics';
import { JobQueue } from './job-queue';
import { JobRunner } from './job-runner';
import { PgBossClient } from './pg-boss-client';

/**
 * Background jobs on pg-boss. Importing the module never starts handlers: the worker's main (and the platform's in
 * the embedded default) calls `JobRunner.start()`.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [OperatorJobsController],
  providers: [PgBossClient, JobQueue, EffectLedger, JobExecution, JobRunner, FailedJobs, JobMetrics],
  exports: [JobQueue, JobRunner, FailedJobs],
})
export class JobsModule implements OnModuleInit {
  constructor(private readonly views: ViewRenderer) {}

  onModuleInit(): void {
    this.views.registerViews('jobs', path.join(__dirname, 'views'));
  }
}
