import { AppConfig } from '@consilium/core';
import Stripe from 'stripe';

/**
 * The Stripe SDK configured from the environment. STRIPE_API_BASE points it at a local stand-in in tests; retries
 * on network errors and 5xx answers are the SDK's own (maxNetworkRetries), always with the same Idempotency-Key.
 */
export function createStripeClient(config: AppConfig): Stripe {
  const key = config.raw.STRIPE_SECRET_KEY;
  if (!key) throw new Error('createStripeClient needs STRIPE_SECRET_KEY');
  const base = config.raw.STRIPE_API_BASE ? new URL(config.raw.STRIPE_API_BASE) : undefined;
  return new Stripe(key, {
    maxNetworkRetries: config.raw.STRIPE_MAX_NETWORK_RETRIES,
    timeout: 20000,
    telemetry: false,
    appInfo: { name: 'Consilium' },
    ...(base
      ? {
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
        }
      : {}),
  });
}
