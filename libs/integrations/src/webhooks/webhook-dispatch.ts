import { Injectable, OnModuleInit } from '@nestjs/common';
import { CaseEventObservers, RecordedCaseEvent } from '@consilium/cases';
import { one, rows } from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { EntityManager } from 'typeorm';
import { WEBHOOK_DELIVER_JOB } from './webhook-deliver.job';
import { WEBHOOK_EVENTS, WebhookEventDefinition, webhookEventFor } from './webhook-catalog';

/**
 * Turns the pipeline's case events into webhook deliveries, in the transaction that records the event: a delivery
 * row per subscribed endpoint and its first attempt's job exist exactly when the change committed (the pg-boss
 * transactional outbox), and nothing is sent for a change that rolled back.
 */
@Injectable()
export class WebhookDispatch implements OnModuleInit {
  constructor(
    private readonly observers: CaseEventObservers,
    private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    this.observers.observe((tx, event) => this.dispatch(tx, event));
  }

  async dispatch(tx: EntityManager, event: RecordedCaseEvent): Promise<void> {
    const type = webhookEventFor(event);
    if (!type) return;
    const endpoints = await rows<{ id: string }>(tx, 'SELECT id FROM webhook_endpoints WHERE disabled_at IS NULL AND $1 = ANY(events)', [
      type,
    ]);
    if (!endpoints.length) return;
    // Ids and non-clinical facts only: what happened to which case. The API gives the rest to whoever may read it.
    const payload = {
      type,
      timestamp: new Date().toISOString(),
      data: { caseId: event.caseId, ...(WEBHOOK_EVENTS[type] as WebhookEventDefinition).facts(event) },
    };
    for (const endpoint of endpoints) {
      const { id } = await one<{ id: string }>(
        tx,
        `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_type, payload) VALUES ($1, $2, $3, $4) RETURNING id`,
        [event.tenantId, endpoint.id, type, payload],
      );
      await this.jobs.enqueue(tx, WEBHOOK_DELIVER_JOB, { tenantId: event.tenantId, deliveryId: id });
    }
  }
}
