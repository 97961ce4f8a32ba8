import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { RequestContext } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, Observable, switchMap } from 'rxjs';
import { AttributionService, VISITOR_COOKIE } from './attribution.service';

/**
 * Records attribution on a successful page view (after the handler, so a 404 records nothing). Attribution must
 * never cost a patient their page: a failure is logged and the page is served.
 */
@Injectable()
export class AttributionInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Attribution');

  constructor(
    private readonly attribution: AttributionService,
    private readonly context: RequestContext,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'GET' || !this.context.tenantOrNull()) return next.handle();
    return next.handle().pipe(
      switchMap((body) =>
        from(
          (async () => {
            try {
              const url = new URL(request.url, 'http://x');
              const newVisitor = await this.attribution.recordLanding({
                headers: request.headers,
                path: url.pathname,
                query: url.searchParams,
                host: this.context.host() ?? '',
                locale: this.context.locale(),
              });
              if (newVisitor)
                execution
                  .switchToHttp()
                  .getResponse<FastifyReply>()
                  .setCookie(VISITOR_COOKIE, newVisitor, this.attribution.cookieOptions());
            } catch (error) {
              this.logger.error({ err: error }, 'attribution not recorded');
            }
            return body;
          })(),
        ),
      ),
    );
  }
}
