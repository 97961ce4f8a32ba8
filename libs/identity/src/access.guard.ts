import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  AccessDenied,
  AppConfig,
  ConsiliumStore,
  ContextActor,
  IS_PUBLIC,
  NotFound,
  REQUIRED_ACTION,
  RequestContext,
  SignInRequired,
} from '@consilium/core';
import { AUDITED, AuditedRoute, AuditLog } from '@consilium/audit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { ApiKeysService } from './api-keys.service';
import { CredentialsRequired, ScopeMissing } from './api-errors';
import { OAuthTokens } from './oauth-tokens.service';
import { CSRF_FIELD, CSRF_HEADER, CSRF_SEED_COOKIE, CsrfRejected, CsrfTokens } from './csrf';
import { OperatorAccounts } from './operators/operator-accounts.service';
import { may } from './permissions';
import { ScimTokens } from './scim/scim-tokens.service';
import { SessionCookie } from './session-cookie';
import { SessionService } from './session.service';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * Routes that authenticate otherwise than by cookie: API keys, SCIM tokens, signed webhooks, and the SAML assertion
 * an IdP posts (its signature is the proof; it comes cross-site, with no form token). CSRF does not apply to them.
 */
const NOT_COOKIE_AUTHENTICATED = /^\/(api|webhooks|scim)(\/|$)|^\/console\/sso\/saml\/acs$/;
/** What a staff member or operator may do between password and second factor. */
const MFA_PENDING_ACTIONS = new Set(['mfa.complete']);

/**
 * The one access check, global: identifies the caller (session cookie on a tenant host, operator session on the
 * operator host, API key under /api), enforces CSRF on cookie-authenticated writes, then lets the route's declared
 * action through only if the policy table allows it. A route that declares nothing is refused.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService<ConsiliumStore>,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly sessions: SessionService,
    private readonly operators: OperatorAccounts,
    private readonly apiKeys: ApiKeysService,
    private readonly oauthTokens: OAuthTokens,
    private readonly scimTokens: ScimTokens,
    private readonly cookie: SessionCookie,
    private readonly csrf: CsrfTokens,
    private readonly audit: AuditLog,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const request = ctx.switchToHttp().getRequest<FastifyRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]);
    const action = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_ACTION, [ctx.getHandler(), ctx.getClass()]);

    this.checkSurface(request);
    const actor = await this.identify(request);
    if (actor) this.cls.set('actor', actor);
    this.checkCsrf(request, reply, actor);

    if (isPublic) return true;
    if (!action) {
      this.logger.error({ route: request.routeOptions?.url }, 'route declares neither @Public() nor @Can(): refused');
      throw new NotFound();
    }
    if (!actor) {
      await this.auditDenied(ctx);
      if (NOT_COOKIE_AUTHENTICATED.test(request.url) && request.url.startsWith('/api')) {
        throw new CredentialsRequired(!!request.headers.authorization);
      }
      throw new SignInRequired(this.signInPathFor(request));
    }
    const pendingMfa = (actor.kind === 'staff' || actor.kind === 'operator') && !actor.mfaVerified;
    const allowed = pendingMfa
      ? MFA_PENDING_ACTIONS.has(action)
      : may(actor, action) || (action === 'mfa.complete' && actor.kind !== 'api_key' && actor.kind !== 'directory');
    if (allowed) return true;
    await this.auditDenied(ctx);
    if (pendingMfa) throw new SignInRequired(actor.kind === 'operator' ? '/operator/mfa' : '/console/mfa');
    // An integration is told which scope it lacks, so whoever runs it knows what to ask an admin for.
    if (actor.kind === 'api_key') throw new ScopeMissing(action);
    throw new AccessDenied();
  }

  /** Operator pages exist only on the operator host, and the operator host serves nothing of a hospital. */
  private checkSurface(request: FastifyRequest): void {
    const onOperatorHost = this.context.host() === this.config.operatorHost;
    const path = request.url.split('?')[0];
    const operatorRoute = path === '/operator' || path.startsWith('/operator/');
    // Webhooks: one endpoint per provider for the whole platform, on whatever host the provider was given.
    // /metrics checks its own credentials (a scraper's token, or an operator session on the operator host).
    const anywhere =
      path === '/' || path === '/metrics' || path.startsWith('/health/') || path.startsWith('/static/') || path.startsWith('/webhooks/');
    if (operatorRoute !== onOperatorHost && !anywhere) throw new NotFound();
  }

  private async identify(request: FastifyRequest): Promise<ContextActor | undefined> {
    const host = this.context.host();
    if (host === this.config.operatorHost) {
      const token = this.cookie.read(request);
      const session = token ? await this.operators.resolveSession(token) : null;
      return session
        ? { id: session.operatorId, kind: 'operator', roles: [], sessionId: session.id, mfaVerified: session.mfaVerified }
        : undefined;
    }
    if (!this.context.tenantOrNull()) return undefined;
    const auth = request.headers.authorization;
    // The hospital's directory (SCIM), before the API's credentials: both come as a bearer token.
    if (auth?.startsWith('Bearer scim_') && request.url.startsWith('/scim/')) {
      const tokenId = await this.scimTokens.resolve(auth.slice('Bearer '.length).trim());
      return tokenId ? { id: tokenId, kind: 'directory', roles: [] } : undefined;
    }
    if (auth && NOT_COOKIE_AUTHENTICATED.test(request.url)) {
      // An API key, or an access token from the OAuth token endpoint: either way the actor is the credential.
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] ?? '';
      const key = await this.apiKeys.resolve(bearer);
      if (key) return { id: key.id, kind: 'api_key', roles: [], scopes: ['api.access', ...key.scopes] };
      const token = await this.oauthTokens.resolve(bearer);
      return token ? { id: token.clientId, kind: 'api_key', roles: [], scopes: ['api.access', ...token.scopes] } : undefined;
    }
    const token = this.cookie.read(request);
    const session = token ? await this.sessions.resolve(token) : null;
    if (!session) return undefined;
    return {
      id: session.accountId,
      kind: session.kind,
      roles: session.roles,
      sessionId: session.id,
      mfaVerified: session.mfaVerified,
      scopeCaseId: session.scopeCaseId ?? undefined,
    };
  }

  /** Every cookie-authenticated write carries the form's token; pages get theirs through the layout. */
  private checkCsrf(request: FastifyRequest, reply: FastifyReply, actor: ContextActor | undefined): void {
    let seed = actor?.sessionId;
    if (!seed) {
      seed = request.cookies?.[CSRF_SEED_COOKIE];
      if (!seed) {
        seed = this.csrf.newSeed();
        reply.setCookie(CSRF_SEED_COOKIE, seed, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: this.config.raw.PUBLIC_SCHEME === 'https',
        });
      }
    }
    this.cls.set('csrfSeed', seed);
    if (!UNSAFE.has(request.method) || NOT_COOKIE_AUTHENTICATED.test(request.url)) return;
    const given =
      (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] ?? request.headers[CSRF_HEADER] ?? multipartQueryToken(request);
    if (!this.csrf.matches(seed, given)) throw new CsrfRejected();
  }

  private signInPathFor(request: FastifyRequest): string {
    const path = request.url;
    const next = request.method === 'GET' ? `?next=${encodeURIComponent(path)}` : '';
    if (this.context.host() === this.config.operatorHost) return `/operator/sign-in${next}`;
    return path.startsWith('/console') ? `/console/sign-in${next}` : `/sign-in${next}`;
  }

  private async auditDenied(ctx: ExecutionContext): Promise<void> {
    const route = this.reflector.get<AuditedRoute | undefined>(AUDITED, ctx.getHandler());
    if (!route || !this.context.tenantOrNull()) return;
    const params = ctx.switchToHttp().getRequest<{ params?: Record<string, string> }>().params ?? {};
    await this.audit.record({
      action: route.action,
      entityType: route.entityType,
      entityId: route.param ? params[route.param] : undefined,
      subjectId: route.subjectParam
        ? params[route.subjectParam]
        : route.entityType === 'patient' && route.param
          ? params[route.param]
          : undefined,
      outcome: 'denied',
    });
  }
}

/**
 * A multipart body is streamed by its handler, after this guard, so a file form without JavaScript cannot send its
 * token as a field or a header: its action carries `?_csrf=` instead (the OWASP/Spring pattern for multipart).
 * Accepted for multipart requests only; request logs drop the query string, so the token is not logged.
 */
function multipartQueryToken(request: FastifyRequest): unknown {
  if (!request.isMultipart?.()) return undefined;
  return (request.query as Record<string, unknown> | undefined)?.[CSRF_FIELD];
}
