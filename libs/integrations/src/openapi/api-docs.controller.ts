import { Controller, Get, Param, Res } from '@nestjs/common';
import { NotFound, Public, RequestContext, Resource, Translator, ViewRenderer } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { ApiDocument } from './api-document.service';

const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** The only files the docs page loads, all from this host: Swagger UI's bundle and stylesheet, and our starter. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui-bundle.js': { file: path.join(SWAGGER_UI, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { file: path.join(SWAGGER_UI, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'api-docs.js': { file: path.join(__dirname, 'public', 'api-docs.js'), type: 'text/javascript; charset=utf-8' },
};

/**
 * The API's description for people and tools: the OpenAPI 3.1 document at /api/v1/openapi.json, and /api/docs,
 * which renders it with Swagger UI served from this host (nothing from third parties, no inline script, so the
 * platform's Content-Security-Policy stays as it is). Public: it describes the API, it holds no hospital's data.
 */
@Controller('api')
@TenantSite()
@ApiExcludeController()
export class ApiDocsController {
  constructor(
    private readonly document: ApiDocument,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  @Public()
  @Get('v1/openapi.json')
  @Resource('application/json; charset=utf-8', { cache: 'public, max-age=300' })
  openapi(): unknown {
    return this.document.get();
  }

  /** Its own whole document (Swagger UI's stylesheet, no site chrome), in the reader's language; nothing private. */
  @Public()
  @Get('docs')
  @Resource('text/html; charset=utf-8', { cache: 'private, max-age=300' })
  page(): string {
    const locale = this.context.locale();
    const tenant = this.context.tenant<ResolvedTenant>();
    return this.views.render(
      'integrations/api-docs',
      { lang: locale, title: this.translator.t('integrations.docs.title', locale, { hospital: tenant.name }) },
      { layout: false },
    );
  }

  @Public()
  @Get('docs/assets/:name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFound();
    void reply.header('content-type', asset.type).header('cache-control', 'public, max-age=86400').send(createReadStream(asset.file));
  }
}
