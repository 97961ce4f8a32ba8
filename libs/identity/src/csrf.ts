import { Injectable } from '@nestjs/common';
import { AppConfig, declareErrors } from '@consilium/core';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_SEED_COOKIE = 'consilium_csrf';

/** Identity's refusals: words at `identity.errors.<code>.message|hint`. */
export const IdentityError = declareErrors('identity', {
  csrf_rejected: 403,
  api_credentials_required: 401,
  api_token_invalid: 401,
  api_scope_missing: 403,
  // The OAuth token endpoint's refusals, by RFC 6749 §5.2 error code (its words say which of the reasons it was).
  invalid_request: 400,
  invalid_client: 401,
  unsupported_grant_type: 400,
  invalid_scope: 400,
});

export class CsrfRejected extends IdentityError {
  constructor() {
    super('csrf_rejected');
  }
}

/**
 * Synchronizer tokens for cookie-authenticated forms: HMAC(APP_SECRET, seed), where the seed is the session id
 * when signed in, or a random first-party cookie before that (sign-in and sign-up forms are protected too).
 */
@Injectable()
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = createHmac('sha256', config.appSecret).update('consilium:csrf').digest();
  }

  newSeed(): string {
    return randomBytes(18).toString('base64url');
  }

  tokenFor(seed: string): string {
    return createHmac('sha256', this.key).update(seed).digest('base64url');
  }

  matches(seed: string | undefined, token: unknown): boolean {
    if (!seed || typeof token !== 'string') return false;
    const expected = Buffer.from(this.tokenFor(seed));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
