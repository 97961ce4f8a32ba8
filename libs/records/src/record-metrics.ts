import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@consilium/core';
import { Counter } from 'prom-client';

/**
 * Files sent as records and what became of them, per file sent (an archive counts once): `ready` by detected type,
 * refused by reason (the rejection's stable code: `executable_file`, `duplicate_file`, `upload_too_large`...) and by
 * stage (on upload, or while processed). Never a name, a case or a hospital.
 */
@Injectable()
export class RecordMetrics {
  private readonly processed: Counter<'type'>;
  private readonly refused: Counter<'reason' | 'stage'>;

  constructor(metrics: MetricsRegistry) {
    this.processed = metrics.counter({
      name: 'consilium_records_processed_total',
      help: 'Record files processed and ready, by detected type (pdf, dicom, zip, jpeg, png, gif, webp, tiff)',
      labelNames: ['type'],
    });
    this.refused = metrics.counter({
      name: 'consilium_records_refused_total',
      help: 'Record files refused, by reason (the rejection code) and stage (upload or processing)',
      labelNames: ['reason', 'stage'],
    });
  }

  ready(type: string | null): void {
    this.processed.inc({ type: type ?? 'unknown' });
  }

  rejected(reason: string, stage: 'upload' | 'processing'): void {
    this.refused.inc({ reason, stage });
  }
}
