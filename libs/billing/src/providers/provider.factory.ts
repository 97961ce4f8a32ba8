import { Provider } from '@nestjs/common';
import { AppConfig } from '@consilium/core';
import type Stripe from 'stripe';
import { DemoProvider } from './demo-provider';
import { PAYMENT_PROVIDER } from './payment-provider';
import { createStripeClient } from './stripe-client';
import { StripeProvider } from './stripe-provider';

/** The configured Stripe SDK, or null in the embedded default (no STRIPE_SECRET_KEY). */
export const STRIPE_CLIENT = Symbol('StripeClient');

export const PAYMENT_PROVIDERS: Provider[] = [
  {
    provide: STRIPE_CLIENT,
    inject: [AppConfig],
    useFactory: (config: AppConfig): Stripe | null => (config.raw.STRIPE_SECRET_KEY ? createStripeClient(config) : null),
  },
  {
    // Stripe when a key is configured, the demo provider otherwise: chosen by configuration, never by code edits.
    provide: PAYMENT_PROVIDER,
    inject: [STRIPE_CLIENT],
    useFactory: (stripe: Stripe | null) => (stripe ? new StripeProvider(stripe) : new DemoProvider()),
  },
];
