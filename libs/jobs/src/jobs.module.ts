import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EffectLedger } from './effect-ledger';
import { FailedJobs } from './failed-jobs';
import { JobExecution } from './job-execution';
import { JobQueue } from './job-queue';
import { JobRunner } from './job-runner';
import { PgBossClient } from './pg-boss-client';

/**
 * Background jobs on pg-boss. Importing the module never starts handlers: the worker's main (and the platform's in
 * the embedded default) calls `JobRunner.start()`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [PgBossClient, JobQueue, EffectLedger, JobExecution, JobRunner, FailedJobs],
  exports: [JobQueue, JobRunner, FailedJobs],
})
export class JobsModule {}
