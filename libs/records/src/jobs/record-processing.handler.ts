import { Injectable } from '@nestjs/common';
import { JobContext, JobError, JobHandler, JobHandlerInstance } from '@consilium/jobs';
import { RecordProcessor } from '../record-processor.service';
import { RECORDS_PROCESS_JOB, RecordsProcessPayload } from './records-process.job';

/**
 * Runs RecordProcessor for the job's file. The processor is idempotent (a finished file is returned as it is; one
 * attempt at a time holds the file under a lease), so a retry after a crash, or a job delivered twice, never
 * processes a file twice. A file that another attempt holds right now is retried later, after its lease.
 */
@Injectable()
@JobHandler(RECORDS_PROCESS_JOB)
export class RecordProcessingHandler implements JobHandlerInstance<RecordsProcessPayload> {
  constructor(private readonly processor: RecordProcessor) {}

  async handle(job: JobContext<RecordsProcessPayload>): Promise<Record<string, unknown>> {
    const outcome = await this.processor.process(job.tenantId, job.payload.fileId);
    if (outcome.status === 'processing') {
      throw new JobError('record_busy', 'Another attempt is processing this file; this one is retried once its lease lapses.');
    }
    // Ids and codes only: never the file's name.
    return { fileId: outcome.fileId, status: outcome.status, ...(outcome.code ? { code: outcome.code } : {}) };
  }
}
