import type { MessageRef, MessageValues } from '../i18n/translator';

/** A form's problems, each beside its field (`_form` for the form as a whole): a key and values, never English. */
export type FieldProblems = Record<string, MessageRef | string>;

export interface DomainErrorOptions {
  /** Arguments of the catalog message (`{ limit: '1 MiB' }`): never PHI, they may reach a log's reader. */
  values?: MessageValues;
  /** Field-level problems, keyed by the form field or JSON path. */
  fields?: FieldProblems;
  cause?: unknown;
  /** For pages (not the API): send the browser here instead of showing an error page. */
  redirectTo?: string;
  /** @deprecated An unconverted lib's English sentence, shown as it is instead of the catalog's message. */
  legacyMessage?: string;
}

/**
 * A failure the user can understand and act on, with a stable `code` and an HTTP `status`, mapped once by the
 * exception filter (JSON under /api, a branded page on the sites). Its words are not here: they are the catalog
 * messages `<namespace>.errors.<code>.message` and, when the catalog has one, `.hint`, in the reader's language.
 * Declare a lib's errors with `declareErrors` rather than subclassing by hand.
 *
 * Unconverted libs still pass an English message (no namespace): it is shown as it is until they move to keys.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** Whose catalog holds the words; undefined for the old English-message form. */
  readonly namespace?: string;
  readonly values?: MessageValues;
  /** @deprecated The old form's English hint; converted errors have `<namespace>.errors.<code>.hint`. */
  readonly hint?: string;
  readonly fields?: FieldProblems;
  readonly redirectTo?: string;

  constructor(message: string, options?: DomainErrorOptions & { hint?: string; namespace?: string }) {
    super(options?.legacyMessage ?? message, { cause: options?.cause });
    this.name = new.target.name;
    this.namespace = options?.legacyMessage ? undefined : options?.namespace;
    this.values = options?.values;
    this.hint = options?.hint;
    this.fields = options?.fields;
    this.redirectTo = options?.redirectTo;
  }

  /** The catalog key of the message (`core.errors.not_found.message`), or undefined for an old English error. */
  get messageKey(): string | undefined {
    return this.namespace ? `${this.namespace}.errors.${this.code}.message` : undefined;
  }
}

/**
 * A lib's domain errors, one `code: status` line each:
 *
 *     export const BillingError = declareErrors('billing', { funding_exhausted: 409, payments_not_ready: 503 });
 *     throw new BillingError('funding_exhausted');
 *
 * The words are `billing.errors.funding_exhausted.message` (and `.hint`) in the lib's catalogs; the message text of
 * the JavaScript error is the code, so a log line says which error without anyone's words in it.
 */
export function declareErrors<const Statuses extends Record<string, number>>(namespace: string, statuses: Statuses) {
  type Code = Extract<keyof Statuses, string>;
  class Declared extends DomainError {
    static readonly namespace = namespace;
    static readonly statuses = statuses;
    readonly status: number;
    constructor(
      readonly code: Code,
      options: DomainErrorOptions = {},
    ) {
      super(`${namespace}.${code}`, { ...options, namespace });
      this.status = statuses[code];
    }
  }
  Object.defineProperty(Declared, 'name', { value: `${namespace[0].toUpperCase()}${namespace.slice(1)}Error` });
  return Declared;
}

/** Core's own errors, the ones every lib throws. */
export const CoreError = declareErrors('core', {
  not_found: 404,
  invalid_input: 400,
  sign_in_required: 401,
  access_denied: 403,
  no_tenant_at_host: 404,
  tenant_suspended: 503,
  tenant_coming_soon: 503,
  service_unavailable: 503,
  too_many_attempts: 429,
  rate_limited: 429,
});

/** Not found, and also "not yours": a caller must never learn that another tenant's thing exists. */
export class NotFound extends CoreError {
  /** `legacyMessage`: deprecated, for unconverted libs (English, shown as it is). */
  constructor(legacyMessage?: string) {
    super('not_found', { legacyMessage });
  }
}

/**
 * A refused form or request body: each problem beside its field, as a catalog key (`msg('core.form.email')`), and
 * what was typed (passwords never), so the page can be shown again as the person left it. The page flow's
 * exception filter does that for any route with `@Form(...)`.
 */
export class InvalidInput extends CoreError {
  /** What was typed, for showing the form again (secrets removed by checkForm). */
  readonly typed?: Record<string, unknown>;

  constructor(fields: FieldProblems, typed?: Record<string, unknown> | string) {
    // A string second argument is the old form's English summary (unconverted libs): the catalog's is used instead.
    super('invalid_input', { fields });
    this.typed = typeof typed === 'string' ? undefined : typed;
  }
}

/** Not signed in: pages redirect to the sign-in page of their surface, the API answers 401. */
export class SignInRequired extends CoreError {
  constructor(signInPath?: string) {
    super('sign_in_required', { redirectTo: signInPath });
  }
}

/** Signed in, on the right hospital, but this role may not do this. */
export class AccessDenied extends CoreError {
  constructor() {
    super('access_denied');
  }
}

export class NoTenantAtHost extends CoreError {
  constructor() {
    super('no_tenant_at_host');
  }
}

export class TenantSuspended extends CoreError {
  constructor() {
    super('tenant_suspended');
  }
}

/** A hospital not launched yet: its public pages and its intake say when to come back. */
export class TenantComingSoon extends CoreError {
  constructor() {
    super('tenant_coming_soon');
  }
}

export class ServiceUnavailable extends CoreError {
  /** `legacyMessage`: deprecated, for unconverted libs (English, shown as it is). */
  constructor(legacyMessage?: string) {
    super('service_unavailable', { legacyMessage });
  }
}

/**
 * Too many attempts (sign-in throttling): 429, and on a form route the form again with `fields` beside it, as for
 * InvalidInput.
 */
export class TooManyAttempts extends CoreError {
  readonly typed?: Record<string, unknown>;

  constructor(fields: FieldProblems = {}, typed?: Record<string, unknown>) {
    super('too_many_attempts', { fields });
    this.typed = typed;
  }
}

/**
 * Over an abuse limit (core's RateLimiter): 429 with Retry-After. On a `@Form` route the form again, as typed, with
 * the wait above it (`_form`); elsewhere the error page; the API's JSON says `retryAfterSeconds`. Words: core
 * `errors.rate_limited` and `form.rateLimited`, in the person's language, since the wait is part of the sentence.
 */
export class TooManyRequests extends CoreError {
  constructor(readonly retryAfterSeconds: number) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    super('rate_limited', { values: { minutes }, fields: { _form: { key: 'core.form.rateLimited', values: { minutes } } } });
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
