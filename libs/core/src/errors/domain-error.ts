/**
 * A failure the user can understand and act on. Each subclass has a stable `code`; the exception filter maps it to
 * an HTTP status once, as JSON under /api and as a branded page on the sites. `message` is shown to users, so it
 * must never carry PHI, secrets or internals.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** What the user can do about it, shown under the message. */
  readonly hint?: string;
  /** Field-level problems, keyed by the form field or JSON path. */
  readonly fields?: Record<string, string>;
  /** For pages (not the API): send the browser here instead of showing an error page. */
  readonly redirectTo?: string;

  constructor(message: string, options?: { hint?: string; fields?: Record<string, string>; cause?: unknown; redirectTo?: string }) {
    super(message, { cause: options?.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
    this.fields = options?.fields;
    this.redirectTo = options?.redirectTo;
  }
}

/** Not found, and also "not yours": a caller must never learn that another tenant's thing exists. */
export class NotFound extends DomainError {
  readonly code = 'not_found';
  readonly status = 404;
  constructor(message = 'We could not find that page.') {
    super(message, { hint: 'Check the address, or start again from the home page.' });
  }
}

export class InvalidInput extends DomainError {
  readonly code = 'invalid_input';
  readonly status = 400;
  constructor(fields: Record<string, string>, message = 'Some fields need your attention.') {
    super(message, { fields });
  }
}

/** Not signed in: pages redirect to the sign-in page of their surface, the API answers 401. */
export class SignInRequired extends DomainError {
  readonly code = 'sign_in_required';
  readonly status = 401;
  constructor(signInPath?: string) {
    super('Please sign in to continue.', { redirectTo: signInPath });
  }
}

/** Signed in, on the right hospital, but this role may not do this. */
export class AccessDenied extends DomainError {
  readonly code = 'access_denied';
  readonly status = 403;
  constructor() {
    super('Your account does not have access to this.', { hint: 'Ask your administrator if you need it.' });
  }
}

export class NoTenantAtHost extends DomainError {
  readonly code = 'no_tenant_at_host';
  readonly status = 404;
  constructor() {
    super('There is no second opinion program at this address.', {
      hint: 'Check the address you were given by your hospital.',
    });
  }
}

export class TenantSuspended extends DomainError {
  readonly code = 'tenant_suspended';
  readonly status = 503;
  constructor() {
    super('This second opinion program is temporarily unavailable.', {
      hint: 'Please try again later or contact the hospital directly.',
    });
  }
}

export class ServiceUnavailable extends DomainError {
  readonly code = 'service_unavailable';
  readonly status = 503;
  constructor(message = 'The service is briefly unavailable.') {
    super(message, { hint: 'Please try again in a moment.' });
  }
}

/** On pages, the form a refused request came from: shown again with what was typed, and why it was refused. */
export interface FormPage {
  /** The form's template, e.g. `identity/sign-up`. */
  view: string;
  layout?: 'site' | 'console' | 'plain';
}

/**
 * Over an abuse limit (core's RateLimiter). Answers 429 with Retry-After; the words come from the catalog (core
 * `errors.rate_limited`) in the person's language, since the wait is part of the sentence.
 */
export class TooManyRequests extends DomainError {
  readonly code = 'rate_limited';
  readonly status = 429;
  constructor(
    readonly retryAfterSeconds: number,
    readonly page?: FormPage,
  ) {
    super('Too many attempts.', { hint: `Please try again in ${Math.max(1, Math.ceil(retryAfterSeconds / 60))} min.` });
  }
}

/** A programming error: tenant data was touched outside a tenant context. Never shown to users as such. */
export class NoTenantContext extends Error {
  override name = 'NoTenantContext';
  constructor() {
    super(
      'No tenant in the current context. Operations on tenant data must run inside a request for a tenant host or TenantDatabase.forTenant().',
    );
  }
}
