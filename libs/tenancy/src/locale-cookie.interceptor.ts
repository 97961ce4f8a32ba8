import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { RequestContext } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { LOCALE_COOKIE } from './tenant-resolution.middleware';

/** Remembers a language chosen with ?lang= for the rest of the visit. */
@Injectable()
export class LocaleCookieInterceptor implements NestInterceptor {
  constructor(private readonly context: RequestContext) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = ctx.switchToHttp().getRequest<FastifyRequest<{ Querystring: { lang?: string } }>>();
    const chosen = (request.query as { lang?: string } | undefined)?.lang;
    if (chosen && chosen === this.context.locale()) {
      ctx
        .switchToHttp()
        .getResponse<FastifyReply>()
        .setCookie(LOCALE_COOKIE, chosen, { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 31536000 });
    }
    return next.handle();
  }
}
