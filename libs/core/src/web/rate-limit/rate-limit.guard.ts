import { CallHandler, CanActivate, ExecutionContext, HttpException, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, from, Observable, throwError } from 'rxjs';
import { AppConfig } from '../../config/config';
import { RequestContext } from '../../context/request-context';
import { DomainError, TooManyRequests } from '../../errors/domain-error';
import { MetricsRegistry } from '../../metrics/metrics-registry';
import { FORM, LAYOUT, LayoutName, PAGE, PAGE_ROUTE, PageRequest, PageRoute } from '../page';
import { RATE_LIMIT, RateLimitSpec } from './rate-limit.decorator';
import { RateLimiter, RateLimitKey, TakeResult } from './rate-limiter';

const SPENT = Symbol('rate-limit-spent');
type Spending = Extract<TakeResult, { allowed: true }>;
type LimitedRequest = PageRequest & { [SPENT]?: Spending };

/**
 * Enforces `@RateLimit`: spends one unit per key before the handler runs (atomically, across instances), or refuses
 * with TooManyRequests. Registered globally after identity's AccessGuard: the actor is known, and a request refused
 * for its CSRF token or its role has spent nothing.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly refusals;

  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    // Labels are the limit's name and what it is kept per: never the address or IP itself.
    this.refusals = metrics.counter({
      name: 'consilium_rate_limit_refusals_total',
      help: 'Requests refused with 429 by an abuse limit, by limit and by what it is kept per (ip, address, actor).',
      labelNames: ['limit', 'per'],
    });
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const spec = this.reflector.get<RateLimitSpec | undefined>(RATE_LIMIT, ctx.getHandler());
    if (!spec) return true;
    const request = ctx.switchToHttp().getRequest<LimitedRequest>();
    const result = await this.limiter.take(spec.name, this.keysFor(spec, request));
    if (!result.allowed) {
      this.refusals.inc({ limit: spec.name, per: result.subject });
      // Guards run before the page flow has named the route: name it here, so a refused form is shown again.
      request[PAGE_ROUTE] = this.pageRoute(ctx);
      throw new TooManyRequests(result.retryAfterSeconds);
    }
    request[SPENT] = result;
    return true;
  }

  private pageRoute(ctx: ExecutionContext): PageRoute {
    const page = this.reflector.get<PageRoute['page']>(PAGE, ctx.getHandler());
    const form = this.reflector.get<PageRoute['form']>(FORM, ctx.getHandler());
    const layout = page?.layout ?? this.reflector.get<LayoutName>(LAYOUT, ctx.getClass()) ?? 'site';
    return { page, form, layout };
  }

  private keysFor(spec: RateLimitSpec, request: FastifyRequest): RateLimitKey[] {
    const subjects = Object.keys(this.config.rateLimits[spec.name]);
    if (subjects.includes('address') && !spec.address) {
      throw new Error(`@RateLimit('${spec.name}') is kept per address: name the form field that holds it ({ address: 'email' })`);
    }
    const field = spec.address ? (request.body as Record<string, unknown> | undefined)?.[spec.address] : undefined;
    return [
      { subject: 'ip', value: this.context.ip() },
      { subject: 'address', value: typeof field === 'string' && field.trim() ? field : undefined },
      { subject: 'actor', value: this.context.actor()?.id },
    ];
  }
}

/**
 * Settles what a limited request spent once its outcome is known: a limit that counts failures gives the unit back
 * when the request succeeded (the right password), one that counts successes when it was refused (a form with a
 * mistake sends nothing). Interceptors run after every guard, so the status is the handler's own.
 */
@Injectable()
export class RateLimitSettlement implements NestInterceptor {
  private readonly logger = new Logger('RateLimit');

  constructor(private readonly limiter: RateLimiter) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const request = ctx.switchToHttp().getRequest<LimitedRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const settle = async (status: number) => {
      const spending = request[SPENT];
      if (!spending?.spent.length) return;
      const succeeded = status < 400;
      if (succeeded === (spending.counts === 'failures')) {
        // Settling errs on the side of the limit: a failure here leaves the unit spent, it never lets one through.
        await this.limiter.giveBack(spending.spent).catch((error: unknown) => this.logger.warn({ err: error }, 'could not give back'));
      }
    };
    return (next.handle() as Observable<unknown>).pipe(
      concatMap((value) => from(settle(reply.statusCode)).pipe(concatMap(() => [value]))),
      catchError((error: unknown) => from(settle(statusOf(error))).pipe(concatMap(() => throwError(() => error)))),
    );
  }
}

function statusOf(error: unknown): number {
  if (error instanceof DomainError) return error.status;
  if (error instanceof HttpException) return error.getStatus();
  return 500;
}
