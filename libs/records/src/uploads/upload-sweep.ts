import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OperatorDatabase, PeriodicTask } from '@consilium/core';
import { RecordsSettings } from '../records-settings';
import { ResumableUploads } from './resumable-uploads.service';
import { UploadStaging } from './upload-staging';

/** How often an instance sweeps. Expiry is counted in hours, so an hour late at most. */
const SWEEP_EVERY_MS = 3600 * 1000;

export interface SweepReport {
  /** Expired resumable upload sessions removed (their rows and staged bytes). */
  sessions: number;
  /** Staging of no live session removed from the store (local storage; S3 leaves it to a lifecycle rule). */
  files: number;
}

/**
 * Removes resumable uploads that were never finished: a patient who closed the tab leaves sealed, partial records
 * in the store and a session row naming them. Each platform instance sweeps hourly: expired sessions of every
 * hospital (found on the operator path, removed through the tenant's own transaction), then any local staging
 * older than the expiry, which no live session can own. Staging lives in the shared store, so any instance may
 * sweep any upload; two sweeping at once remove nothing twice, as both deletions are idempotent.
 */
@Injectable()
export class UploadSweep implements OnApplicationShutdown {
  private readonly logger = new Logger('UploadSweep');
  private readonly task = new PeriodicTask(this.logger, SWEEP_EVERY_MS, () => this.sweepAndReport(), 'upload sweep failed');

  constructor(
    private readonly uploads: ResumableUploads,
    private readonly staging: UploadStaging,
    private readonly settings: RecordsSettings,
    private readonly operatorDb: OperatorDatabase,
  ) {}

  /** Called by the platform's entry point once it serves: a first sweep now, then hourly. */
  start(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  private async sweepAndReport(): Promise<void> {
    const report = await this.sweep();
    if (report.sessions || report.files) this.logger.log(report, 'expired uploads removed');
  }

  async sweep(now = new Date()): Promise<SweepReport> {
    const tenants: { tenant_id: string }[] = await this.operatorDb.transaction((tx) =>
      tx.query(`SELECT DISTINCT tenant_id FROM upload_sessions WHERE expires_at <= $1`, [now]),
    );
    let sessions = 0;
    for (const { tenant_id } of tenants) sessions += await this.uploads.removeExpired(tenant_id, now);
    const files = await this.staging.removeStrays(new Date(now.getTime() - this.settings.uploadExpiryHours * 3600_000));
    return { sessions, files };
  }
}
