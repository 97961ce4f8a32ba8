import { Injectable } from '@nestjs/common';
import { JobQueue } from '@consilium/jobs';
import { EntityManager } from 'typeorm';
import { RecordProcessingScheduler } from '../record-processing-scheduler';
import { RECORDS_PROCESS_JOB } from './records-process.job';

/**
 * Processing as a background job: the `records-process` job is written by the transaction that keeps the file's row,
 * so a rolled-back upload leaves no job and a committed one exactly one. The upload answers at once with the file
 * `uploaded`; the page shows it `processing`, then `ready` or `rejected`.
 */
@Injectable()
export class QueuedProcessing extends RecordProcessingScheduler {
  constructor(private readonly queue: JobQueue) {
    super();
  }

  async enqueue(tx: EntityManager, tenantId: string, fileId: string): Promise<void> {
    await this.queue.enqueue(tx, RECORDS_PROCESS_JOB, { tenantId, fileId });
  }
}
