import multipart from '@fastify/multipart';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { TUS_CONTENT_TYPE } from './tus-protocol';

/**
 * Teaches the host's Fastify instance the two upload bodies: multipart (streamed part by part through
 * `request.parts()`, never buffered) and tus parts (left unread for the handler to stream from `request.raw`).
 * Runs before the server is ready, so the host app needs no extra registration.
 */
@Injectable()
export class RecordsHttpSetup implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    if (!fastify.hasContentTypeParser('multipart/form-data')) {
      // Per-request limits come from the upload route; these defaults only guard any other multipart route.
      await fastify.register(multipart, { limits: { fileSize: 1024 * 1024, files: 1, fields: 20, parts: 40 } });
    }
    if (!fastify.hasContentTypeParser(TUS_CONTENT_TYPE)) {
      fastify.addContentTypeParser(TUS_CONTENT_TYPE, (_request, _payload, done) => done(null));
    }
  }
}
