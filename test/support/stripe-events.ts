import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Stripe from 'stripe';
import request from 'supertest';

export const WEBHOOK_SECRET = 'whsec_test_consilium_payments';
const signer = new Stripe('sk_test_signer_only');

/** A Stripe event envelope around `object`, as Stripe's webhooks deliver it. */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  created = Math.floor(Date.now() / 1000),
  id = `evt_${randomBytes(10).toString('hex')}`,
): Record<string, unknown> {
  return {
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created,
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  };
}

/** Posts an event signed the way Stripe signs it (offline: the SDK's own test header). */
export function postSigned(
  app: NestFastifyApplication,
  event: Record<string, unknown>,
  options: { timestamp?: number; tamper?: (payload: string) => string; unsigned?: boolean; host?: string } = {},
) {
  const payload = JSON.stringify(event);
  const header = signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: options.timestamp });
  const body = options.tamper ? options.tamper(payload) : payload;
  const req = request(app.getHttpServer())
    .post('/webhooks/stripe')
    .set('Host', options.host ?? 'localhost')
    .set('Content-Type', 'application/json');
  return (options.unsigned ? req : req.set('Stripe-Signature', header)).send(body);
}
