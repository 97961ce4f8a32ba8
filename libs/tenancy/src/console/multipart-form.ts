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

/** Console forms with a file field (a logo): their multipart bodies are read before the access check. */
const FORMS_WITH_FILES = [/^\/operator\/tenants$/, /^\/console\/branding\/logo$/];

/**
 * Lets a plain HTML form with a logo field work without JavaScript. The access guard checks the CSRF token in the
 * body before any handler runs, and a multipart body is not parsed by default, so for the few forms above the body
 * is read here (fields as text, the one file as bytes, at most 1 MiB + 1) and set as `request.body`, exactly as a
 * urlencoded form would be. Record uploads are not among them: they stream and carry their token in a header.
 */
@Injectable()
export class MultipartConsoleForms implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    if (!fastify.hasContentTypeParser('multipart/form-data')) {
      await fastify.register(multipart, { limits: { fileSize: 1024 * 1024, files: 1, fields: 20, parts: 40 } });
    }
    fastify.addHook('preValidation', async (request: FastifyRequest) => {
      if (request.method !== 'POST' || !FORMS_WITH_FILES.some((p) => p.test(request.url.split('?')[0]))) return;
      if (typeof request.isMultipart !== 'function' || !request.isMultipart()) return;
      request.body = await readMultipartForm(request);
    });
  }
}

async function readMultipartForm(request: FastifyRequest): Promise<Record<string, string | string[] | UploadedFile>> {
  const body: Record<string, string | string[] | UploadedFile> = {};
  const parts = request.parts({ limits: { fileSize: MAX_BRAND_IMAGE_BYTES + 1, files: 1, fields: 40, parts: 41, fieldSize: 10_000 } });
  for await (const part of parts) {
    if (part.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      // An empty file input still sends a part, with no name and no bytes: the same as no file.
      if (part.filename || chunks.length) body[part.fieldname] = { filename: part.filename, bytes: Buffer.concat(chunks), truncated: part.file.truncated };
      continue;
    }
    const value = String(part.value ?? '');
    const existing = body[part.fieldname];
    if (existing === undefined) body[part.fieldname] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else if (typeof existing === 'string') body[part.fieldname] = [existing, value];
  }
  return body;
}
