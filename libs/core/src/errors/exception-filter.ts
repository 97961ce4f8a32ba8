import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestContext } from '../context/request-context';
import { negotiateLocale, platformLocales } from '../i18n/locales';
import { MessageRef, Translator } from '../i18n/translator';
import { typedValues } from '../web/form-body';
import { FormPresenter, PAGE_ROUTE, PageRequest, PageRoute } from '../web/page';
import { pageTitle } from '../web/page.interceptor';
import { ViewRenderer } from '../web/view-renderer';
import { DomainError, FieldProblems, TooManyRequests } from './domain-error';
import { ErrorFormats } from './error-formats';
import { PermanentRedirect } from './permanent-redirect';

/** What went wrong, before it is put in someone's language. */
interface Failure {
  status: number;
  code: string;
  message: MessageRef | string;
  hint?: MessageRef | string;
  fields?: FieldProblems;
}

interface ErrorBody {
  status: number;
  code: string;
  message: string;
  hint?: string;
  fields?: Record<string, string>;
}

/**
 * The one place errors become responses: RFC 9457 problem details under /api (or the format a lib registered for
 * its prefix, see ErrorFormats), JSON under /webhooks and /health (the stable code, and the message in
 * English or the client's Accept-Language), a branded page elsewhere in the reader's language, and for a refused
 * form on a `@Form` route, that form again (see web/page.ts). Words come from the catalogs by the error's code; a
 * stack trace or driver message never leaves the server.
 */
@Catch()
export class ConsiliumExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly translator: Translator,
    private readonly modules: ModuleRef,
    private readonly formats: ErrorFormats,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<PageRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof PermanentRedirect) {
      if (!reply.sent) void reply.status(301).header('location', exception.location).header('cache-control', 'public, max-age=3600').send();
      return;
    }
    const failure = describe(exception);
    if (failure.status >= 500) {
      this.logger.error({ err: exception, code: failure.code }, 'request failed');
    }
    const requestId = this.context.requestId() ?? String(request.id);
    if (reply.sent) return;
    if (exception instanceof DomainError && exception.redirectTo && !wantsJson(request)) {
      void reply.redirect(exception.redirectTo, 303);
      return;
    }
    if (failure.status === 503) reply.header('retry-after', '5');
    // Over an abuse limit: how long to wait, for browsers, clients and the JSON alike; never a cached answer.
    const retryAfterSeconds = exception instanceof TooManyRequests ? exception.retryAfterSeconds : undefined;
    if (retryAfterSeconds) reply.header('retry-after', String(retryAfterSeconds)).header('cache-control', 'no-store');
    if (wantsJson(request)) {
      const body = this.inLanguage(failure, jsonLocale(request));
      const path = request.url.split('?')[0];
      const format = this.formats.for(path);
      if (format) {
        const shown = format(body, { path, requestId });
        for (const [name, value] of Object.entries(shown.headers ?? {})) reply.header(name, value);
        void reply.status(failure.status).header('content-type', shown.contentType).send(shown.body);
        return;
      }
      void reply
        .status(failure.status)
        .header('content-type', 'application/json; charset=utf-8')
        .send({ error: { ...body, ...(retryAfterSeconds ? { retryAfterSeconds } : {}), requestId } });
      return;
    }
    const route = request[PAGE_ROUTE];
    if (route?.form && failure.fields && failure.status < 500) {
      void this.refusedForm(route, failure, request, reply).catch((renderError: unknown) => {
        this.logger.error({ err: renderError }, 'refused form failed to render');
        this.errorPage(describe(renderError), reply, requestId);
      });
      return;
    }
    this.errorPage(failure, reply, requestId);
  }

  /** The form again: 400 (or the error's status), no-store, each problem beside its field, the values as typed. */
  private async refusedForm(route: PageRoute, failure: Failure, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const locale = this.context.locale();
    const errors = this.translator.messages(failure.fields, locale);
    const form = {
      params: (request.params ?? {}) as Record<string, string>,
      query: (request.query ?? {}) as Record<string, string>,
      action: request.url.split('?')[0],
      values: typedValues(request.body),
      errors,
    };
    const { view, presenter, title: titleKey = route.page?.title } = route.form!;
    const model: Record<string, unknown> = presenter
      ? await this.modules.get<FormPresenter>(presenter, { strict: false }).refused(form)
      : form;
    const title = pageTitle(this.translator, locale, model.title, titleKey);
    const html = this.views.render(view, { values: form.values, ...model, errors, title }, { layout: route.layout });
    if (reply.sent) return;
    void reply.status(failure.status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  }

  private errorPage(failure: Failure, reply: FastifyReply, requestId: string): void {
    let html: string;
    try {
      const shown = this.inLanguage(failure, this.context.locale());
      html = this.views.render(
        'core/error',
        { title: shown.message, error: shown, requestId },
        // A hospital's own pages keep its brand (also "opens soon" before launch); a suspended one shows none of it.
        { layout: ['active', 'coming_soon'].includes(this.context.tenantOrNull()?.status ?? '') ? 'site' : 'plain' },
      );
    } catch (renderError) {
      this.logger.error({ err: renderError }, 'error page failed to render');
      html = `<!doctype html><title>Error</title><h1>${failure.status}</h1><p>Something went wrong.</p>`;
    }
    if (reply.sent) return;
    void reply.status(failure.status).header('content-type', 'text/html; charset=utf-8').send(html);
  }

  private inLanguage(failure: Failure, locale: string): ErrorBody {
    const body: ErrorBody = { status: failure.status, code: failure.code, message: this.translator.message(failure.message, locale) };
    const hint = failure.hint;
    if (hint && (typeof hint === 'string' || this.translator.has(hint.key))) body.hint = this.translator.message(hint, locale);
    if (failure.fields) body.fields = this.translator.messages(failure.fields, locale);
    return body;
  }
}

const HTTP_CODES = new Set([400, 401, 403, 404, 405, 413, 415, 429]);

function describe(exception: unknown): Failure {
  if (exception instanceof DomainError) {
    const key = exception.messageKey;
    return {
      status: exception.status,
      code: exception.code,
      message: key ? { key, values: exception.values } : exception.message,
      // A converted error's hint is optional in its catalog: the translator says whether there is one.
      hint: key ? { key: key.replace(/\.message$/, '.hint'), values: exception.values } : exception.hint,
      fields: exception.fields,
    };
  }
  const status = exception instanceof HttpException ? exception.getStatus() : statusOf(exception);
  if (status && status < 500) {
    return {
      status,
      code: `http_${status}`,
      message: { key: `core.errors.${HTTP_CODES.has(status) ? `http_${status}` : 'http_error'}.message` },
    };
  }
  if (status === 503 || databaseUnavailable(exception))
    return {
      status: 503,
      code: 'service_unavailable',
      message: { key: 'core.errors.service_unavailable.message' },
      hint: { key: 'core.errors.service_unavailable.hint' },
    };
  return {
    status: 500,
    code: 'internal_error',
    message: { key: 'core.errors.internal_error.message' },
    hint: { key: 'core.errors.internal_error.hint' },
  };
}

/** JSON clients read `code`; the message is English unless the client asked for a platform language. */
function jsonLocale(request: FastifyRequest): string {
  const acceptLanguage = request.headers['accept-language'];
  return acceptLanguage ? negotiateLocale({ acceptLanguage, supported: [...platformLocales()], fallback: 'en' }) : 'en';
}

/** SQLSTATEs of a server going away or refusing connections (class 08, and 57P01-57P03), and the driver's own. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i;

/**
 * Whether the error says the database cannot be reached right now (not that a query was wrong): the request gets a
 * 503 the moment the pool fails to connect, and the same process serves again when PostgreSQL is back.
 */
export function databaseUnavailable(exception: unknown, depth = 0): boolean {
  if (!exception || typeof exception !== 'object' || depth > 4) return false;
  const e = exception as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => databaseUnavailable(inner, depth + 1))) return true;
  return databaseUnavailable(e.driverError, depth + 1) || databaseUnavailable(e.cause, depth + 1);
}

/** Fastify's own errors (body too large, bad JSON) carry a statusCode. */
function statusOf(exception: unknown): number | undefined {
  const code = (exception as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : undefined;
}

function wantsJson(request: FastifyRequest): boolean {
  const url = request.url;
  if (url.startsWith('/api') || url.startsWith('/webhooks') || url.startsWith('/health') || url === '/metrics') return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
