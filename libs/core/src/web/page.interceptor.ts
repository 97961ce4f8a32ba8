import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { from, map, Observable, switchMap } from 'rxjs';
import { RequestContext } from '../context/request-context';
import { isMessageRef, Translator } from '../i18n/translator';
import { readFormBody } from './form-body';
import { FORM, LAYOUT, LayoutName, PAGE, PAGE_ROUTE, PageRequest, PageRoute, Redirect } from './page';
import { ViewRenderer } from './view-renderer';

/**
 * The page flow, for routes with `@Page(...)`: headers once (HTML, `no-store` unless the page says otherwise), a
 * multipart form read before the handler, and the handler's model rendered in its view and layout, or its
 * `redirect(...)` followed. A refused form is the exception filter's (it reads the route from the request).
 */
@Injectable()
export class PageInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly views: ViewRenderer,
    private readonly translator: Translator,
    private readonly context: RequestContext,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const page = this.reflector.get<PageRoute['page']>(PAGE, ctx.getHandler());
    const form = this.reflector.get<PageRoute['form']>(FORM, ctx.getHandler());
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    if (!page && !form) return next.handle().pipe(map((result: unknown) => (result instanceof Redirect ? follow(reply, result) : result)));
    const layout = page?.layout ?? this.reflector.get<LayoutName>(LAYOUT, ctx.getClass()) ?? 'site';
    const route: PageRoute = { page, form, layout };
    const request = ctx.switchToHttp().getRequest<PageRequest>();
    request[PAGE_ROUTE] = route;
    reply.header('content-type', 'text/html; charset=utf-8');
    const cache = page ? page.cache : undefined;
    if (cache !== false) reply.header('cache-control', cache ?? 'no-store');
    for (const [name, value] of Object.entries(page?.headers ?? {})) reply.header(name, value);
    const ready = form && request.isMultipart?.() ? readFormBody(request).then((body) => void (request.body = body)) : Promise.resolve();
    return from(ready).pipe(
      switchMap(() => next.handle()),
      map((result: unknown) => {
        if (result instanceof Redirect) return follow(reply, result);
        if (!page) throw new Error(`${ctx.getClass().name}.${ctx.getHandler().name} has no @Page to render its answer in`);
        return this.render(page.view, layout, page.title, (result ?? {}) as Record<string, unknown>);
      }),
    );
  }

  /** The view in its layout; `title` from the model, else the page's title key in the reader's language. */
  private render(view: string, layout: LayoutName, titleKey: string | undefined, model: Record<string, unknown>): string {
    const title = pageTitle(this.translator, this.context.locale(), model.title, titleKey);
    return this.views.render(view, { ...model, title }, { layout });
  }
}

/** A `redirect(...)` answer: its status and Location, no body. Any route may return one. */
function follow(reply: FastifyReply, to: Redirect): string {
  reply.status(to.status).header('location', to.url);
  return '';
}

/** A model's `title` (text, or a MessageRef), else the page's title key, in the reader's language. */
export function pageTitle(translator: Translator, locale: string, title: unknown, titleKey: string | undefined): unknown {
  if (isMessageRef(title)) return translator.message(title, locale);
  return title ?? (titleKey ? translator.t(titleKey, locale) : undefined);
}
