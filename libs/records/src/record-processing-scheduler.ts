import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RecordProcessor } from './record-processor.service';

/**
 * How an accepted upload gets processed. The jobs lib binds an implementation whose `enqueue` sends a
 * `records-process` job with `{ tenantId, fileId }` through the same transaction (so a rolled-back upload leaves no
 * job) and whose handler calls `RecordProcessor.process`. Until then the default processes inline after commit.
 */
export abstract class RecordProcessingScheduler {
  /** Runs inside the transaction that wrote the file's row. */
  abstract enqueue(tx: EntityManager, tenantId: string, fileId: string): Promise<void>;
  /** Runs after that transaction committed; the upload's response waits for it. */
  afterCommit?(tenantId: string, fileId: string): Promise<void>;
}

/** The default: no queue, the upload request processes its own file before answering (bounded by the file limit). */
@Injectable()
export class InlineProcessing extends RecordProcessingScheduler {
  constructor(private readonly processor: RecordProcessor) {
    super();
  }

  async enqueue(): Promise<void> {}

  override async afterCommit(tenantId: string, fileId: string): Promise<void> {
    await this.processor.process(tenantId, fileId);
  }
}
