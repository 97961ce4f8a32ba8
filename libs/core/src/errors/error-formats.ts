import { Injectable } from '@nestjs/common';

/** An error as the exception filter has put it in words: the stable code, the status, what to do, which fields. */
export interface ErrorDescription {
  status: number;
  code: string;
  message: string;
  hint?: string;
  fields?: Record<string, string>;
}

/** What a JSON client receives for an error: a media type and a body. */
export interface ErrorResponse {
  contentType: string;
  body: unknown;
  headers?: Record<string, string>;
}

/** How errors read under one path prefix; `path` is the request's path without its query string. */
export type ErrorFormat = (error: ErrorDescription, context: { path: string; requestId: string }) => ErrorResponse;

/** Codes that are plain HTTP statuses (`http_404`): per RFC 9457 their problem type is `about:blank`. */
const HTTP_CODE = /^http_\d{3}$/;

/**
 * RFC 9457 problem details, the format of every `/api` error: `type` names the problem (a URN per stable code, so
 * clients match on it; `about:blank` for a bare HTTP status), `title` says what went wrong, `detail` what to do about
 * it, and `errors` each refused field, with a JSON pointer when it is in the body (`#/kind`) and the parameter's
 * name otherwise. A 401 says which scheme it wants (`WWW-Authenticate: Bearer`).
 */
export const problemDetails: ErrorFormat = (error, { path, requestId }) => ({
  contentType: 'application/problem+json; charset=utf-8',
  // RFC 6750 §3: a refusal for want of credentials names the scheme that would be accepted.
  ...(error.status === 401 ? { headers: { 'www-authenticate': 'Bearer' } } : {}),
  body: {
    type: HTTP_CODE.test(error.code) ? 'about:blank' : `urn:consilium:problem:${error.code}`,
    title: error.message,
    status: error.status,
    ...(error.hint ? { detail: error.hint } : {}),
    instance: path,
    code: error.code,
    ...(error.fields && Object.keys(error.fields).length
      ? {
          errors: Object.entries(error.fields).map(([field, detail]) =>
            field.startsWith('#/') ? { pointer: field, detail } : { parameter: field, detail },
          ),
        }
      : {}),
    requestId,
  },
});

/**
 * Error formats by path prefix, longest first: `/api` speaks problem details; a lib may give its own prefix another
 * format (FHIR's OperationOutcome under `/api/v1/fhir`). Paths without one keep the platform's `{ error }` JSON.
 */
@Injectable()
export class ErrorFormats {
  private readonly formats: { prefix: string; format: ErrorFormat }[] = [{ prefix: '/api/', format: problemDetails }];

  register(prefix: string, format: ErrorFormat): void {
    this.formats.push({ prefix, format });
    this.formats.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The format for a path, or undefined for the platform's own JSON. */
  for(path: string): ErrorFormat | undefined {
    return this.formats.find((f) => path === f.prefix.slice(0, -1) || path.startsWith(f.prefix))?.format;
  }
}
