import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@consilium/core';
import { Counter } from 'prom-client';
import type { PaymentStatus } from './payment-status';

/**
 * Payments by outcome: each time a payment reaches a status (authorized, captured, released, refunded, failed,
 * disputed...), by provider (stripe, demo). Counted where the provider's report is applied, in its transaction: a
 * transaction that then rolls back (rare: the change is the last step) has still been counted.
 */
@Injectable()
export class PaymentMetrics {
  private readonly outcomes: Counter<'outcome' | 'provider'>;

  constructor(metrics: MetricsRegistry) {
    this.outcomes = metrics.counter({
      name: 'consilium_payments_total',
      help: 'Payments reaching a status, by outcome (the new status) and provider',
      labelNames: ['outcome', 'provider'],
    });
  }

  reached(outcome: PaymentStatus, provider: string): void {
    this.outcomes.inc({ outcome, provider });
  }
}
