import { Injectable } from '@nestjs/common';
import { first, InvalidInput, msg, NotFound, one, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { randomBytes } from 'node:crypto';
import { WEBHOOK_DELIVER_JOB } from './webhook-deliver.job';
import { WEBHOOK_EVENT_TYPES } from './webhook-catalog';
import { WebhookTargets } from './webhook-targets';

export interface WebhookEndpointListing {
  id: string;
  url: string;
  events: string[];
  createdAt: Date;
  disabledAt: Date | null;
  failuresInRow: number;
  delivered: number;
  pending: number;
  failed: number;
}

export interface WebhookDeliveryListing {
  id: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A hospital's webhook endpoints, as its admins manage them: register a URL for some events (the signing secret is
 * shown once), read each endpoint's delivery log, resend a delivery, turn a disabled endpoint back on.
 */
@Injectable()
export class WebhookEndpoints {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly targets: WebhookTargets,
    private readonly jobs: JobQueue,
  ) {}

  async register(url: string, events: string[], createdBy: string): Promise<{ id: string; secret: string }> {
    const unknown = events.filter((e) => !(WEBHOOK_EVENT_TYPES as string[]).includes(e));
    if (!events.length || unknown.length) throw new InvalidInput({ events: msg('integrations.webhooks.chooseEvent') });
    const refusal = await this.targets.refusal(url.trim());
    if (refusal) throw new InvalidInput({ url: msg(`integrations.webhooks.refused.${refusal}`) });
    // Standard Webhooks secrets: `whsec_` and base64 of 24 random bytes (the libraries accept 24 to 64).
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const row = await this.db.transaction((tx) =>
      one<{ id: string }>(
        tx,
        `INSERT INTO webhook_endpoints (tenant_id, url, events, secret, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [this.context.tenant().id, url.trim(), [...new Set(events)], secret, createdBy],
      ),
    );
    return { id: row.id, secret };
  }

  list(): Promise<WebhookEndpointListing[]> {
    return this.db.transaction((tx) =>
      rows<WebhookEndpointListing>(
        tx,
        `SELECT e.id, e.url, e.events, e.created_at AS "createdAt", e.disabled_at AS "disabledAt", e.failures_in_row AS "failuresInRow",
                count(d.id) FILTER (WHERE d.status = 'delivered')::int AS delivered,
                count(d.id) FILTER (WHERE d.status = 'pending')::int AS pending,
                count(d.id) FILTER (WHERE d.status = 'failed')::int AS failed
           FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.tenant_id = e.tenant_id AND d.endpoint_id = e.id
          GROUP BY e.tenant_id, e.id ORDER BY e.created_at`,
      ),
    );
  }

  /** One endpoint and its latest deliveries; another hospital's endpoint is the same 404 as none. */
  endpoint(id: string): Promise<{ endpoint: WebhookEndpointListing; deliveries: WebhookDeliveryListing[] }> {
    if (!UUID.test(id)) throw new NotFound();
    return this.db.transaction(async (tx) => {
      const endpoint = (await this.list()).find((e) => e.id === id);
      if (!endpoint) throw new NotFound();
      const deliveries = await rows<WebhookDeliveryListing>(
        tx,
        `SELECT id, event_type AS "eventType", status, attempts, last_status AS "lastStatus", last_error AS "lastError",
                created_at AS "createdAt", last_attempt_at AS "lastAttemptAt"
           FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at DESC, id LIMIT 100`,
        [id],
      );
      return { endpoint, deliveries };
    });
  }

  /** Sends a delivery again, under the same `webhook-id` (a receiver that already has it ignores it). */
  resend(endpointId: string, deliveryId: string): Promise<void> {
    if (!UUID.test(endpointId) || !UUID.test(deliveryId)) throw new NotFound();
    return this.db.transaction(async (tx) => {
      const found = await first<{ id: string }>(
        tx,
        `UPDATE webhook_deliveries SET status = 'pending' WHERE id = $1 AND endpoint_id = $2 RETURNING id`,
        [deliveryId, endpointId],
      );
      if (!found) throw new NotFound();
      await this.jobs.enqueue(tx, WEBHOOK_DELIVER_JOB, { tenantId: this.context.tenant().id, deliveryId });
    });
  }

  /** Turns a disabled endpoint back on; its failed run starts again from zero. */
  enable(endpointId: string): Promise<void> {
    if (!UUID.test(endpointId)) throw new NotFound();
    return this.db.transaction(async (tx) => {
      const found = await first<{ id: string }>(
        tx,
        `UPDATE webhook_endpoints SET disabled_at = NULL, failures_in_row = 0, first_failure_at = NULL WHERE id = $1 RETURNING id`,
        [endpointId],
      );
      if (!found) throw new NotFound();
    });
  }
}
