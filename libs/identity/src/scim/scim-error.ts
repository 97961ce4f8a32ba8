import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import { DomainError, msg, MessageRef, RequestContext, Translator } from '@consilium/core';
import type { FastifyReply } from 'fastify';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A refusal in SCIM's terms (RFC 7644 §3.12): its HTTP status, its `scimType`, and words by key. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: MessageRef,
    readonly scimType?: 'invalidFilter' | 'invalidValue' | 'uniqueness' | 'invalidSyntax' | 'noTarget' | 'mutability',
  ) {
    super(detail.key);
  }
}

/**
 * Every answer of /scim/v2 that is not a resource is SCIM's error JSON, the access check's too (a wrong or another
 * hospital's token is 401; a resource of another hospital is 404, as everywhere). The detail is in English unless
 * the directory asks for another language; never a stack.
 */
@Catch()
@Injectable()
export class ScimErrors implements ExceptionFilter {
  private readonly logger = new Logger(ScimErrors.name);

  constructor(
    private readonly translator: Translator,
    private readonly context: RequestContext,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, detail, scimType } = this.describe(exception);
    const locale = this.context.locale();
    void reply
      .status(status)
      .header('content-type', 'application/scim+json; charset=utf-8')
      .header('cache-control', 'no-store')
      .send({
        schemas: [SCIM_ERROR_SCHEMA],
        status: String(status),
        ...(scimType ? { scimType } : {}),
        detail: this.translator.message(detail, locale),
      });
  }

  private describe(exception: unknown): { status: number; detail: MessageRef; scimType?: string } {
    if (exception instanceof ScimError) return exception;
    if (exception instanceof DomainError) {
      const status = exception.status;
      if (status === 401) return { status, detail: msg('identity.scim.unauthorized') };
      if (status === 404) return { status, detail: msg('identity.scim.notFound') };
      if (status === 400) return { status, detail: msg('identity.scim.invalidValue'), scimType: 'invalidValue' };
      if (status === 429) return { status, detail: msg('identity.scim.tooMany') };
      if (status === 403) return { status, detail: msg('identity.scim.forbidden') };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return status === 404
        ? { status, detail: msg('identity.scim.notFound') }
        : { status, detail: msg('identity.scim.invalidSyntax'), scimType: 'invalidSyntax' };
    }
    this.logger.error({ err: exception }, 'SCIM request failed');
    return { status: 500, detail: msg('identity.scim.failed') };
  }
}
