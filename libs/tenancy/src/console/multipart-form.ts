import multipart from '@fastify/multipart';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { readFormBody } from '@consilium/core';

/** @deprecated Core's UploadedFile. */
export type { UploadedFile } from '@consilium/core';

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

/** @deprecated Core's `readFormBody` (a `@Form` route has its multipart body read before the handler). */
export const readConsoleForm = readFormBody;
