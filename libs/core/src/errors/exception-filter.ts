import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestContext } from '../context/request-context';
import { Translator } from '../i18n/translator';
import { keptValues } from '../web/forms';
import { ViewRenderer } from '../web/view-renderer';
import { DomainError, TooManyRequests } from './domain-error';
import { PermanentRedirect } from './permanent-redirect';

interface ErrorBody {
  status: number;
  code: string;
  message: string;
  hint?: string;
  fields?: Record<string, string>;
}

const HTTP_MESSAGES: Record<number, string> = {
  400: 'The request could not be understood.',
  401: 'Please sign in to continue.',
  403: 'You do not have access to this.',
  404: 'We could not find that page.',
  405: 'That action is not available here.',
  413: 'That is too large to send.',
  415: 'That kind of content is not accepted here.',
  429: 'Too many attempts. Please wait a moment and try again.',
  503: 'The service is briefly unavailable.',
};

/**
 * The one place errors become responses: JSON under /api, /webhooks and /health, a branded page elsewhere.
 * Messages come from DomainError classes or a fixed table; a stack trace or driver message never leaves the server.
 */
@Catch()
export class ConsiliumExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof PermanentRedirect) {
      if (!reply.sent) void reply.status(301).header('location', exception.location).header('cache-control', 'public, max-age=3600').send();
      return;
    }
    const body = this.describe(exception);
    if (body.status >= 500) {
      this.logger.error({ err: exception, code: body.code }, 'request failed');
    }
    const requestId = this.context.requestId() ?? String(request.id);
    if (reply.sent) return;
    if (exception instanceof DomainError && exception.redirectTo && !wantsJson(request)) {
      void reply.redirect(exception.redirectTo, 303);
      return;
    }
    if (exception instanceof TooManyRequests) return this.tooMany(exception, request, reply, requestId);
    reply.status(body.status);
    if (body.status === 503) reply.header('retry-after', '5');
    if (wantsJson(request)) {
      void reply.header('content-type', 'application/json; charset=utf-8').send({ error: { ...body, requestId } });
      return;
    }
    let html: string;
    try {
      const shown = this.translated(body);
      html = this.views.render(
        'core/error',
        { title: shown.message, error: shown, requestId },
        { layout: this.context.tenantOrNull()?.status === 'active' ? 'site' : 'plain' },
      );
    } catch (renderError) {
      this.logger.error({ err: renderError }, 'error page failed to render');
      html = `<!doctype html><title>Error</title><h1>${body.status}</h1><p>Something went wrong.</p>`;
    }
    void reply.header('content-type', 'text/html; charset=utf-8').send(html);
  }

  /**
   * Over an abuse limit: 429 with Retry-After; JSON for the API; on pages the form the request came from again, with
   * what was typed (secrets excepted) and the wait in the person's language, else the branded error page.
   */
  private tooMany(exception: TooManyRequests, request: FastifyRequest, reply: FastifyReply, requestId: string): void {
    const locale = this.context.locale();
    const minutes = Math.max(1, Math.ceil(exception.retryAfterSeconds / 60));
    const error = {
      status: 429,
      code: exception.code,
      message: this.translator.t('core.errors.rate_limited', locale),
      hint: this.translator.t('core.errors.rate_limited.hint', locale, { minutes }),
    };
    reply.status(429).header('retry-after', String(exception.retryAfterSeconds)).header('cache-control', 'no-store');
    if (wantsJson(request)) {
      void reply
        .header('content-type', 'application/json; charset=utf-8')
        .send({ error: { ...error, retryAfterSeconds: exception.retryAfterSeconds, requestId } });
      return;
    }
    const layout = this.context.tenantOrNull()?.status === 'active' ? 'site' : 'plain';
    let html: string;
    try {
      if (exception.page) {
        const values = keptValues(request.body);
        html = this.views.render(
          exception.page.view,
          {
            title: error.message,
            values,
            next: typeof values.next === 'string' ? values.next : '',
            action: request.url.split('?')[0],
            // Sign-in forms know this state already; every other form shows `rateLimited` in its error summary.
            formError: 'throttled',
            waitMinutes: minutes,
            rateLimited: error,
          },
          { layout: exception.page.layout ?? layout },
        );
      } else {
        html = this.views.render('core/error', { title: error.message, error, requestId }, { layout });
      }
    } catch (renderError) {
      this.logger.error({ err: renderError }, 'rate limit page failed to render');
      html = `<!doctype html><title>429</title><h1>429</h1><p>${error.message}</p>`;
    }
    void reply.header('content-type', 'text/html; charset=utf-8').send(html);
  }

  /** The page's language for site pages; the API keeps English (clients match on `code`, not on words). */
  private translated(body: ErrorBody): ErrorBody {
    const locale = this.context.locale();
    const key = `core.errors.${body.code}`;
    if (locale === 'en' || !this.translator.has(key)) return body;
    return { ...body, message: this.translator.t(key, locale), hint: body.hint && this.translator.t(`${key}.hint`, locale) };
  }

  private describe(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return { status: exception.status, code: exception.code, message: exception.message, hint: exception.hint, fields: exception.fields };
    }
    const status = exception instanceof HttpException ? exception.getStatus() : statusOf(exception);
    if (status && status < 500) {
      return { status, code: `http_${status}`, message: HTTP_MESSAGES[status] ?? 'The request could not be completed.' };
    }
    if (status === 503 || databaseUnavailable(exception))
      return { status: 503, code: 'service_unavailable', message: HTTP_MESSAGES[503], hint: 'Please try again in a moment.' };
    return {
      status: 500,
      code: 'internal_error',
      message: 'Something went wrong on our side.',
      hint: 'Please try again. If it keeps happening, contact the hospital.',
    };
  }
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
