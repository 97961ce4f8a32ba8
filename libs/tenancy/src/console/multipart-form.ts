import multipart from '@fastify/multipart';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_BRAND_IMAGE_BYTES } from './brand-image';

/** A file field of a console form, read whole: brand images are small and stored in the database as they are. */
export interface UploadedFile {
  filename: string;
  bytes: Buffer;
  /** More than the limit was sent; `bytes` holds only the start. */
  truncated: boolean;
}

/**
 * Makes sure the host's Fastify instance parses multipart bodies (the records lib does the same for its uploads;
 * whichever runs first registers it), so the consoles' logo forms work in any app that mounts tenancy.
 */
@Injectable()
export class MultipartConsoleForms implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser('multipart/form-data')) return;
    await fastify.register(multipart, { limits: { fileSize: 1024 * 1024, files: 1, fields: 20, parts: 40 } });
  }
}

/**
 * A console form with a file field (a logo), read whole: fields as text (repeated ones as lists), the one file as
 * bytes, at most 1 MiB + 1 (more marks it truncated). Brand images are small and stored in the database as they are,
 * so nothing is streamed. The form's CSRF token travels in its action (`?_csrf=`), as for record uploads: the access
 * guard runs before this body is read. A urlencoded body (a client without multipart) is taken as it is.
 */
export async function readConsoleForm(request: FastifyRequest): Promise<Record<string, string | string[] | UploadedFile>> {
  if (typeof request.isMultipart !== 'function' || !request.isMultipart()) return (request.body ?? {}) as Record<string, string>;
  return readMultipartForm(request);
}

async function readMultipartForm(request: FastifyRequest): Promise<Record<string, string | string[] | UploadedFile>> {
  const body: Record<string, string | string[] | UploadedFile> = {};
  const parts = request.parts({ limits: { fileSize: MAX_BRAND_IMAGE_BYTES + 1, files: 1, fields: 40, parts: 41, fieldSize: 10_000 } });
  for await (const part of parts) {
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      // An empty file input still sends a part, with no name and no bytes: the same as no file.
      if (part.filename || chunks.length)
        body[part.fieldname] = { filename: part.filename, bytes: Buffer.concat(chunks), truncated: part.file.truncated };
      continue;
    }
    // A field part's value is the field's text (typed `unknown` for parts parsed by content type, which we do not use).
    const value = typeof part.value === 'string' ? part.value : '';
    const existing = body[part.fieldname];
    if (existing === undefined) body[part.fieldname] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else if (typeof existing === 'string') body[part.fieldname] = [existing, value];
  }
  return body;
}
