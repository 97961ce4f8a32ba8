import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  stripeAccount?: string;
  /** The form body, flat as Stripe's SDK encodes it: `payment_intent_data[capture_method]` -> `manual`. */
  form: Record<string, string>;
}

export interface StandInIntent {
  id: string;
  amount: number;
  status?: string;
  amount_capturable?: number;
  amount_received?: number;
  currency?: string;
  metadata: Record<string, string>;
  created?: number;
  /** The card saved with `setup_future_usage` and the customer it is attached to. */
  payment_method?: string;
  customer?: string;
  cancellation_reason?: string;
}

/**
 * A stand-in for Stripe's HTTP API, for tests only: it is not Stripe. A local node:http server that records every
 * request the real `stripe` SDK sends and answers in Stripe's JSON format (objects with `id` and `object`, lists,
 * error bodies). Like Stripe, it replays the first answer for a repeated Idempotency-Key. `failNext(n)` answers the
 * next n requests with a 500, to see the SDK retry.
 */
export class StripeStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly intents = new Map<string, StandInIntent>();
  /**
   * Saved cards that refuse an off-session payment, with the code Stripe's card_error carries: like Stripe's test
   * cards 4000 0027 6000 3184 (`authentication_required`) and 4000 0000 0000 9995 (`card_declined`).
   */
  readonly refusingCards = new Map<string, 'authentication_required' | 'card_declined'>();
  private readonly answered = new Map<string, { status: number; body: unknown }>();
  private failures = 0;
  private server?: http.Server;
  private counter = 0;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  failNext(count: number): void {
    this.failures = count;
  }

  posts(path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && path.test(r.path));
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const form = Object.fromEntries(new URLSearchParams(req.method === 'GET' ? url.search : body));
    const key = req.headers['idempotency-key'] as string | undefined;
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      idempotencyKey: key,
      stripeAccount: req.headers['stripe-account'] as string | undefined,
      form,
    });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++this.counter}` });
      res.end(JSON.stringify(payload));
    };
    if (this.failures > 0) {
      this.failures--;
      return send(500, { error: { type: 'api_error', message: 'stand-in: simulated server error' } });
    }
    if (key && this.answered.has(`${req.method} ${url.pathname} ${key}`)) {
      const first = this.answered.get(`${req.method} ${url.pathname} ${key}`)!;
      return send(first.status, first.body);
    }
    const [status, payload] = this.route(req.method ?? 'GET', url.pathname, form);
    if (key) this.answered.set(`${req.method} ${url.pathname} ${key}`, { status, body: payload });
    send(status, payload);
  }

  private route(method: string, path: string, f: Record<string, string>): [number, unknown] {
    const id = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;
    const now = Math.floor(Date.now() / 1000);
    let m: RegExpMatchArray | null;
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const sessionId = id('cs_test');
      const metadata = pick(f, 'metadata');
      return [
        200,
        {
          id: sessionId,
          object: 'checkout.session',
          mode: 'payment',
          status: 'open',
          url: `https://checkout.stripe.test/c/pay/${sessionId}`,
          amount_total: Number(f['line_items[0][price_data][unit_amount]']),
          currency: f['line_items[0][price_data][currency]'],
          payment_intent: null,
          metadata,
          created: now,
        },
      ];
    }
    if (method === 'POST' && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/)))
      return [200, { id: m[1], object: 'checkout.session', status: 'expired' }];
    if (method === 'POST' && path === '/v1/payment_intents') return this.createIntent(f, id('pi'), now);
    if (method === 'POST' && (m = path.match(/^\/v1\/payment_intents\/([^/]+)\/capture$/))) {
      const intent = this.intents.get(m[1]) ?? { id: m[1], amount: Number(f.amount_to_capture), metadata: {} };
      Object.assign(intent, { status: 'succeeded', amount_capturable: 0, amount_received: Number(f.amount_to_capture ?? intent.amount) });
      this.intents.set(m[1], intent);
      return [200, this.intentJson(intent)];
    }
    if (method === 'POST' && (m = path.match(/^\/v1\/payment_intents\/([^/]+)\/cancel$/))) {
      const intent = this.intents.get(m[1]) ?? { id: m[1], amount: 0, metadata: {} };
      // As Stripe: an intent already cancelled (a lapsed hold, cancelled by Stripe itself) cannot be cancelled again.
      if (intent.status === 'canceled')
        return [
          400,
          { error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: 'stand-in: already canceled' } },
        ];
      Object.assign(intent, { status: 'canceled', amount_capturable: 0 });
      this.intents.set(m[1], intent);
      return [200, this.intentJson(intent)];
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/payment_intents\/([^/]+)$/))) {
      const intent = this.intents.get(m[1]);
      return intent
        ? [200, this.intentJson(intent)]
        : [404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent' } }];
    }
    if (method === 'GET' && path === '/v1/payment_intents') {
      const since = Number(f['created[gte]'] ?? 0);
      const data = [...this.intents.values()].filter((i) => (i.created ?? now) >= since).map((i) => this.intentJson(i));
      return [200, { object: 'list', data, has_more: false, url: '/v1/payment_intents' }];
    }
    if (method === 'POST' && path === '/v1/refunds')
      return [
        200,
        {
          id: id('re'),
          object: 'refund',
          amount: Number(f.amount),
          payment_intent: f.payment_intent,
          status: 'succeeded',
          metadata: pick(f, 'metadata'),
        },
      ];
    if (method === 'POST' && path === '/v1/accounts')
      return [
        200,
        {
          id: id('acct'),
          object: 'account',
          type: f.type,
          charges_enabled: false,
          payouts_enabled: false,
          details_submitted: false,
          metadata: pick(f, 'metadata'),
        },
      ];
    if (method === 'POST' && path === '/v1/account_links')
      return [200, { object: 'account_link', url: `https://connect.stripe.test/setup/${f.account}`, created: now, expires_at: now + 300 }];
    return [404, { error: { type: 'invalid_request_error', message: `stand-in: no route for ${method} ${path}` } }];
  }

  /** A PaymentIntent confirmed at once (`confirm=true`), off-session with a saved card when `off_session=true`. */
  private createIntent(f: Record<string, string>, intentId: string, now: number): [number, unknown] {
    const amount = Number(f.amount);
    const manual = f.capture_method === 'manual';
    const base: StandInIntent = {
      id: intentId,
      amount,
      currency: f.currency,
      metadata: pick(f, 'metadata'),
      created: now,
      payment_method: f.payment_method,
      customer: f.customer,
    };
    const refusal = f.payment_method ? this.refusingCards.get(f.payment_method) : undefined;
    if (f.confirm === 'true' && refusal) {
      // Stripe answers 402 with a card_error whose payment_intent is left waiting for the customer.
      const intent = { ...base, status: refusal === 'authentication_required' ? 'requires_action' : 'requires_payment_method' };
      this.intents.set(intentId, intent);
      return [
        402,
        {
          error: {
            type: 'card_error',
            code: refusal,
            decline_code: refusal,
            message: 'stand-in: the card refused an off-session payment',
            payment_intent: this.intentJson(intent),
          },
        },
      ];
    }
    const confirmed = f.confirm === 'true' && !!f.payment_method;
    const intent: StandInIntent = confirmed
      ? manual
        ? { ...base, status: 'requires_capture', amount_capturable: amount }
        : { ...base, status: 'succeeded', amount_received: amount }
      : { ...base, status: 'requires_payment_method' };
    this.intents.set(intentId, intent);
    return [200, this.intentJson(intent)];
  }

  private intentJson(i: StandInIntent): Record<string, unknown> {
    return {
      id: i.id,
      object: 'payment_intent',
      amount: i.amount,
      currency: i.currency ?? 'usd',
      status: i.status ?? 'requires_capture',
      amount_capturable: i.amount_capturable ?? 0,
      amount_received: i.amount_received ?? 0,
      metadata: i.metadata,
      created: i.created ?? Math.floor(Date.now() / 1000),
      capture_method: 'manual',
      payment_method: i.payment_method ?? null,
      customer: i.customer ?? null,
      cancellation_reason: i.cancellation_reason ?? null,
      last_payment_error: null,
    };
  }
}

function pick(form: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    const m = k.match(new RegExp(`^${prefix}\\[([^\\]]+)\\]$`));
    if (m) out[m[1]] = v;
  }
  return out;
}
