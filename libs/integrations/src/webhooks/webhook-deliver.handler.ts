import { Injectable } from '@nestjs/common';
import { AppConfig, first, rows } from '@consilium/core';
import { JobContext, JobHandler, JobHandlerInstance, JobQueue } from '@consilium/jobs';
import { Mailer } from '@consilium/notifications';
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
    private readonly mailer: Mailer,
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
    // One statement: the failure is counted and, past the limit, the endpoint turned off; `turnedOff` is true for
    // the one attempt that turned it off (the row is locked first, so concurrent attempts take turns).
    const endpoint = (await first<{ turned_off: boolean }>(
      tx,
      `WITH locked AS (SELECT id, disabled_at FROM webhook_endpoints WHERE id = $1 FOR UPDATE)
       UPDATE webhook_endpoints e
          SET failures_in_row = e.failures_in_row + 1,
              first_failure_at = coalesce(e.first_failure_at, now()),
              disabled_at = CASE WHEN e.disabled_at IS NULL AND e.failures_in_row + 1 >= $2
                                      AND coalesce(e.first_failure_at, now()) <= now() - make_interval(mins => $3)
                                 THEN now() ELSE e.disabled_at END
         FROM locked WHERE e.id = locked.id
       RETURNING locked.disabled_at IS NULL AND e.disabled_at IS NOT NULL AS turned_off`,
      [endpointId, disableAfterFailures, disableAfterMinutes],
    ))!;
    if (endpoint.turned_off) {
      // Each admin is told, in their language, with a link to the console (no URL or payload in it).
      const admins = await rows<{ email: string; locale: string | null }>(
        tx,
        // As case notices find coordinators: a read of identity's accounts in this transaction, never a write.
        `SELECT DISTINCT a.email, a.locale FROM accounts a JOIN staff_roles r ON r.tenant_id = a.tenant_id AND r.account_id = a.id
          WHERE r.role = 'admin' AND a.disabled_at IS NULL ORDER BY a.email`,
      );
      for (const admin of admins) {
        await this.mailer.send(tx, {
          tenantId: job.tenantId,
          to: admin.email,
          template: 'webhook-endpoint-disabled',
          locale: admin.locale ?? undefined,
          data: {},
        });
      }
    }
    const wait = retryScheduleSeconds[row.attempts - 1];
    if (wait === undefined) {
      await tx.query(`UPDATE webhook_deliveries SET status = 'failed' WHERE id = $1`, [job.payload.deliveryId]);
      return { delivered: false, error: attempt.error, final: true };
    }
    await this.jobs.enqueue(tx, WEBHOOK_DELIVER_JOB, { tenantId: job.tenantId, deliveryId: job.payload.deliveryId }, { startAfter: wait });
    return { delivered: false, error: attempt.error, retryInSeconds: wait, endpointDisabled: endpoint.turned_off };
  }
}
