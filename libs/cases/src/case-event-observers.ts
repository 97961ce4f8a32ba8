import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A case event as the pipeline records it, for whoever acts on it in the same transaction. No free text in `data`. */
export interface RecordedCaseEvent {
  tenantId: string;
  caseId: string;
  type: string;
  fromState: string | null;
  toState: string | null;
  data: Record<string, unknown>;
}

/** Called inside the transaction that records the event: what it writes commits or rolls back with the event. */
export type CaseEventObserver = (tx: EntityManager, event: RecordedCaseEvent) => Promise<void>;

/**
 * The pipeline's port for libs above it that react to case events (outbound webhooks): they register an observer
 * when their module starts, and every event CasePipeline records is handed to each observer in its transaction, so
 * a reaction (a delivery job) exists exactly when the event does.
 */
@Injectable()
export class CaseEventObservers {
  private readonly observers: CaseEventObserver[] = [];

  observe(observer: CaseEventObserver): void {
    this.observers.push(observer);
  }

  async notify(tx: EntityManager, event: RecordedCaseEvent): Promise<void> {
    for (const observer of this.observers) await observer(tx, event);
  }
}
