import { Injectable } from '@nestjs/common';
import { ClsService, ClsStore } from 'nestjs-cls';
import { NoTenantContext } from '../errors/domain-error';

/** What core needs to know of a tenant; tenancy stores its fuller object under the same key. */
export interface ContextTenant {
  id: string;
  slug: string;
  /** 'active', 'coming_soon' or 'suspended': a suspended tenant's error page carries none of its brand. */
  status?: string;
}

/** `directory`: the hospital's identity directory, provisioning staff over SCIM with its bearer token. */
export type ActorKind = 'operator' | 'staff' | 'patient' | 'local_physician' | 'api_key' | 'directory';

/** Who is making the request. Set by identity's access guard; read by audit and logging. */
export interface ContextActor {
  id: string;
  kind: ActorKind;
  /** Staff roles (admin, coordinator, physician); empty for other kinds. */
  roles: string[];
  /** The session behind a cookie-authenticated request. */
  sessionId?: string;
  /** Staff and operators: whether the second factor was passed in this session. */
  mfaVerified?: boolean;
  /** A local physician's one case. */
  scopeCaseId?: string;
  /** API keys: their scopes. */
  scopes?: string[];
}

export interface ConsiliumStore extends ClsStore {
  tenant?: ContextTenant;
  actor?: ContextActor;
  /** The host the request arrived on, lower-cased and without port. */
  host?: string;
  /** The language pages are rendered in. */
  locale?: string;
  /** The request path without its query string: `/pricing?lang=es` -> `/pricing`. */
  path?: string;
  /** Set by TenantDatabase while a tenant transaction is open, so nested calls join it. */
  // Typed loosely on purpose: nestjs-cls's path types recurse into EntityManager and exhaust the compiler.
  tenantTx?: { tenantId: string; manager: object };
  /** The client address (behind TRUST_PROXY, the forwarded one) and user agent, for audit rows. */
  ip?: string;
  userAgent?: string;
  /** Seed of the CSRF token for a visitor without a session, and whether it must be set as a cookie. */
  csrfSeed?: string;
  csrfSeedIsNew?: boolean;
}

/**
 * The request context (AsyncLocalStorage through nestjs-cls; never Scope.REQUEST). Reading the tenant where none is
 * set throws: forgetting it is a bug, not an empty result.
 */
@Injectable()
export class RequestContext {
  constructor(private readonly cls: ClsService<ConsiliumStore>) {}

  tenant<T extends ContextTenant = ContextTenant>(): T {
    const tenant = this.cls.isActive() ? this.cls.get('tenant') : undefined;
    if (!tenant) throw new NoTenantContext();
    return tenant as T;
  }

  tenantOrNull<T extends ContextTenant = ContextTenant>(): T | null {
    return ((this.cls.isActive() && this.cls.get('tenant')) || null) as T | null;
  }

  requestId(): string | undefined {
    return this.cls.isActive() ? this.cls.getId() : undefined;
  }

  actor(): ContextActor | undefined {
    return this.cls.isActive() ? this.cls.get('actor') : undefined;
  }

  locale(): string {
    return (this.cls.isActive() && this.cls.get('locale')) || 'en';
  }

  ip(): string | undefined {
    return this.cls.isActive() ? this.cls.get('ip') : undefined;
  }

  userAgent(): string | undefined {
    return this.cls.isActive() ? this.cls.get('userAgent') : undefined;
  }

  host(): string | undefined {
    return this.cls.isActive() ? this.cls.get('host') : undefined;
  }

  /** The current path without its query (see ConsiliumStore.path). */
  path(): string {
    return (this.cls.isActive() && this.cls.get('path')) || '/';
  }
}
