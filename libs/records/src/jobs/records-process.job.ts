import { defineJob } from '@consilium/jobs';

export interface RecordsProcessPayload {
  tenantId: string;
  /** record_files.id: the payload carries no name and no content. */
  fileId: string;
}

/**
 * One uploaded file's processing (DICOM parsed, images checked, archives expanded). An attempt holds the file under a
 * lease (PROCESSING_LEASE_SECONDS, renewed per archive entry), so the job's own limit is generous: a 2 GiB study
 * archive can take many minutes. Retries with backoff from 30 s cover a worker that died holding the lease (it lapses
 * after ten minutes) and storage that was briefly unavailable.
 */
export const RECORDS_PROCESS_JOB = defineJob<RecordsProcessPayload>({
  name: 'records-process',
  retryLimit: 8,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 3 * 3600,
});
