import { Injectable } from '@nestjs/common';
import { AppConfig, first } from '@consilium/core';
import { JobContext, JobHandler, JobHandlerInstance, JobQueue } from '@consilium/jobs';
import { Webhook } from 'standardwebhooks';
import { EntityManager } from 'typeorm';
import { WEBHOOK_DELIVER_JOB, WebhookDeliverPayload } from './webhook-deliver.job';
import { WebhookTargets } from './webhook-targets';

interface Attempt {
  status: number | null;
  /** A code, never a response body or an exception's text (which could echo anything). */
  error: string | null;
}

/**
 * One attempt at one delivery: signed per Standard Webhooks (`webhook-id` is the delivery's id on every attempt),
 * POSTed with a timeout and no redirects, to a target the SSRF guard still allows. A 2xx delivers it; anything else
 * schedules the next attempt by WEBHOOKS_RETRY_SCHEDULE_SECONDS, or marks it failed when the schedule is used up.
 * WEBHOOKS_DISABLE_AFTER_FAILURES failed attempts in a row, spread over WEBHOOKS_DISABLE_AFTER_MINUTES, disable the
 * endpoint (the console shows it; an admin turns it back on).
 */
@Injectable()
@JobHandler(WEBHOOK_DELIVER_JOB)
export class WebhookDeliverHandler implements JobHandlerInstance<WebhookDeliverPayload> {
  constructor(
    private readonly config: AppConfig,
    private readonly targets: WebhookTargets,
    private readonly jobs: JobQueue,
  ) {}

  async handle(job: JobContext<WebhookDeliverPayload>): Promise<Record<string, unknown>> {
    const delivery = await job.transaction((tx) =>
      first<{ id: string; payload: unknown; status: string; url: string; secret: string; disabled: boolean; endpoint_id: string }>(
        tx,
        `SELECT d.id, d.payload, d.status, e.url, e.secret, e.disabled_at IS NOT NULL AS disabled, e.id AS endpoint_id
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
          WHERE d.id = $1`,
        [job.payload.deliveryId],
      ),
    );
    if (!delivery || delivery.status !== 'pending' || delivery.disabled) return { skipped: delivery?.status ?? 'missing' };
    const attempt = await this.send(delivery.url, delivery.secret, delivery.id, JSON.stringify(delivery.payload));
    const delivered = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    return job.transaction((tx) =>
      delivered ? this.succeeded(tx, delivery.id, delivery.endpoint_id, attempt) : this.failed(tx, job, delivery.endpoint_id, attempt),
    );
  }

  private async send(url: string, secret: string, id: string, body: string): Promise<Attempt> {
    const refusal = await this.targets.refusal(url);
    if (refusal) return { status: null, error: `target_${refusal}` };
    const timestamp = new Date();
    try {
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Consilium-Webhooks/1',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
        },
        body,
      });
      await response.body?.cancel();
      return { status: response.status, error: response.ok ? null : `http_${response.status}` };
    } catch (error) {
      const name = (error as { name?: string }).name;
      return { status: null, error: name === 'TimeoutError' ? 'timeout' : 'connection_failed' };
    }
  }

  private async succeeded(tx: EntityManager, id: string, endpointId: string, attempt: Attempt): Promise<Record<string, unknown>> {
    await tx.query(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $2, last_error = NULL,
              last_attempt_at = now(), delivered_at = now() WHERE id = $1`,
      [id, attempt.status],
    );
    await tx.query('UPDATE webhook_endpoints SET failures_in_row = 0, first_failure_at = NULL WHERE id = $1 AND failures_in_row > 0', [
      endpointId,
    ]);
    return { delivered: true, status: attempt.status };
  }

  private async failed(
    tx: EntityManager,
    job: JobContext<WebhookDeliverPayload>,
    endpointId: string,
    attempt: Attempt,
  ): Promise<Record<string, unknown>> {
    const { retryScheduleSeconds, disableAfterFailures, disableAfterMinutes } = this.config.webhooks;
    const row = (await first<{ attempts: number }>(
      tx,
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3, last_attempt_at = now()
        WHERE id = $1 RETURNING attempts`,
      [job.payload.deliveryId, attempt.status, attempt.error],
    ))!;
    const endpoint = (await first<{ disable: boolean }>(
      tx,
      `UPDATE webhook_endpoints SET failures_in_row = failures_in_row + 1, first_failure_at = coalesce(first_failure_at, now())
        WHERE id = $1
        RETURNING failures_in_row >= $2 AND first_failure_at <= now() - make_interval(mins => $3) AS disable`,
      [endpointId, disableAfterFailures, disableAfterMinutes],
    ))!;
    if (endpoint.disable) {
      await tx.query('UPDATE webhook_endpoints SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL', [endpointId]);
    }
    const wait = retryScheduleSeconds[row.attempts - 1];
    if (wait === undefined) {
      await tx.query(`UPDATE webhook_deliveries SET status = 'failed' WHERE id = $1`, [job.payload.deliveryId]);
      return { delivered: false, error: attempt.error, final: true };
    }
    await this.jobs.enqueue(tx, WEBHOOK_DELIVER_JOB, { tenantId: job.tenantId, deliveryId: job.payload.deliveryId }, { startAfter: wait });
    return { delivered: false, error: attempt.error, retryInSeconds: wait, endpointDisabled: endpoint.disable };
  }
}
