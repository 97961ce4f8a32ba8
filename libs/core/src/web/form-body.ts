import type { FastifyRequest } from 'fastify';

/** A file field of a form, read whole: form images are small (logos, photos) and judged by their bytes. */
export interface UploadedFile {
  filename: string;
  bytes: Buffer;
  /** More than the limit was sent; `bytes` holds only the start. */
  truncated: boolean;
}

/** A submitted form: text fields, repeated fields as lists, and (multipart forms) files. */
export type FormBody = Record<string, string | string[] | UploadedFile | undefined>;

/** The largest file a form takes (brand images, photos); larger ones arrive truncated, and are refused. */
export const MAX_FORM_FILE_BYTES = 1024 * 1024;

/**
 * A form's body, urlencoded or multipart alike: fields as text (repeated ones as lists), a file as bytes, at most
 * 1 MiB + 1 (more marks it truncated). Nothing is streamed: record uploads have their own streaming path. A
 * multipart form's CSRF token travels in its action (`?_csrf=`): the access guard runs before this body is read.
 */
export async function readFormBody(request: FastifyRequest): Promise<FormBody> {
  if (typeof request.isMultipart !== 'function' || !request.isMultipart()) return (request.body ?? {}) as FormBody;
  const body: FormBody = {};
  const parts = request.parts({ limits: { fileSize: MAX_FORM_FILE_BYTES + 1, files: 1, fields: 40, parts: 41, fieldSize: 10_000 } });
  for await (const part of parts) {
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      // An empty file input still sends a part, with no name and no bytes: the same as no file.
      if (part.filename || chunks.length)
        body[part.fieldname] = { filename: part.filename, bytes: Buffer.concat(chunks), truncated: part.file.truncated };
      continue;
    }
    const value = typeof part.value === 'string' ? part.value : '';
    const existing = body[part.fieldname];
    if (existing === undefined) body[part.fieldname] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else if (typeof existing === 'string') body[part.fieldname] = [existing, value];
  }
  return body;
}

/** Secrets are never shown back: passwords, second-factor codes, the CSRF token; nor files. */
const NOT_SHOWN_AGAIN = /password|^code$|^_csrf$/i;

/** The body as typed, for showing a refused form again exactly as the person left it. */
export function typedValues(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (NOT_SHOWN_AGAIN.test(k)) continue;
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}
