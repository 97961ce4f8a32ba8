import { SetMetadata } from '@nestjs/common';
import { RateLimitName } from '../../config/rate-limits';

export const RATE_LIMIT = 'consilium:rate-limit';

export interface RateLimitOptions {
  /** The form field naming the email address the request targets, for limits kept per address. */
  address?: string;
}

export interface RateLimitSpec extends RateLimitOptions {
  name: RateLimitName;
}

/**
 * Draws each request to this route from the abuse limit `name` (config/rate-limits.ts), per client address, per the
 * email address in `options.address` and per signed-in person, as the limit is configured. Over it: 429 with
 * Retry-After, JSON under /api, else the route's `@Form` again with the values typed (or the error page). RateLimitGuard enforces it, after
 * identity's access check (so a refused CSRF token or role spends nothing).
 */
export const RateLimit = (name: RateLimitName, options: RateLimitOptions = {}) =>
  SetMetadata<string, RateLimitSpec>(RATE_LIMIT, { name, ...options });
