import { Provider } from '@nestjs/common';
import { AppConfig, ConfigError } from '@consilium/core';
import type Stripe from 'stripe';
import { DemoProvider } from './demo-provider';
import { PAYMENT_PROVIDER, PaymentProvider } from './payment-provider';
import { createStripeClient } from './stripe-client';
import { StripeProvider } from './stripe-provider';

/** The configured Stripe SDK, or null when payments do not go through Stripe (or, in the CLI, its key is absent). */
export const STRIPE_CLIENT = Symbol('StripeClient');

export const PAYMENT_PROVIDERS: Provider[] = [
  {
    provide: STRIPE_CLIENT,
    inject: [AppConfig],
    useFactory: (config: AppConfig): Stripe | null =>
      config.services.payments === 'stripe' && config.raw.STRIPE_SECRET_KEY ? createStripeClient(config) : null,
  },
  {
    // Chosen by configuration (PAYMENTS_PROVIDER, else derived), never by code edits, and never the demo by accident:
    // Stripe without its key is a provider that refuses, not the demo.
    provide: PAYMENT_PROVIDER,
    inject: [AppConfig, STRIPE_CLIENT],
    useFactory: (config: AppConfig, stripe: Stripe | null): PaymentProvider => {
      if (config.services.payments === 'demo') return new DemoProvider();
      return stripe ? new StripeProvider(stripe) : unconfiguredStripe();
    },
  },
];

/**
 * Stripe chosen but its key absent. The platform and the worker never get here (they refuse to boot); a CLI command
 * that does not touch payments (a migration job holds no Stripe key) still runs, and one that does says what to set.
 */
function unconfiguredStripe(): PaymentProvider {
  const problem = () =>
    new ConfigError(['STRIPE_SECRET_KEY: must be set to reach Stripe (or PAYMENTS_PROVIDER=demo, where no money moves)']);
  const refuse = () => Promise.reject(problem());
  return {
    name: 'stripe',
    createCheckout: refuse,
    capture: refuse,
    renewHold: refuse,
    cancel: refuse,
    refund: refuse,
    retrievePaymentIntent: refuse,
    listPaymentIntents: () => {
      throw problem();
    },
    createAccount: refuse,
    onboardingLink: refuse,
  };
}
