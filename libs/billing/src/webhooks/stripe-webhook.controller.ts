import { Controller, Headers, Inject, Post, Req, Res } from '@nestjs/common';
import { AppConfig, NotFound, Public } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Stripe from 'stripe';
import { WebhookSignatureInvalid } from '../payments/payment-errors';
import { STRIPE_CLIENT } from '../providers/provider.factory';
import { PaymentEvents } from './payment-events.service';
import { translateStripeEvent } from './stripe-event-translator';

/**
 * Stripe's webhooks for every hospital (one endpoint; the tenant comes from the event's metadata). The signature
 * is checked on the exact bytes received (the body parser keeps them for /webhooks/*) with Stripe's default
 * tolerance of five minutes, so an unsigned, altered or replayed-late event is answered 400 and changes nothing.
 */
@Controller('webhooks/stripe')
export class StripeWebhookController {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    private readonly events: PaymentEvents,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Post()
  async receive(
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('stripe-signature') signature?: string,
  ): Promise<{ received: true; outcome: string }> {
    // Stripe reads any 2xx as delivered; 200 (not a POST's 201) because nothing is created at this address.
    void reply.status(200);
    const secret = this.config.raw.STRIPE_WEBHOOK_SECRET;
    // The embedded default has no Stripe: the endpoint does not exist there.
    if (!this.stripe || !secret) throw new NotFound();
    if (!signature || !Buffer.isBuffer(request.rawBody)) throw new WebhookSignatureInvalid();
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(request.rawBody, signature, secret);
    } catch {
      throw new WebhookSignatureInvalid();
    }
    const translated = translateStripeEvent(event) ?? {
      // A type we do not act on is still recorded, so the log of what Stripe sent is complete.
      provider: 'stripe' as const,
      id: event.id,
      type: event.type,
      occurredAt: new Date(event.created * 1000),
      metadata: {},
      facts: [],
    };
    return { received: true, outcome: await this.events.process(translated) };
  }
}
