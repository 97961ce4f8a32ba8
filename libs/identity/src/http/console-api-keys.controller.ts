import { Body, HttpCode, Controller, Get, Header, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Can, InvalidInput, NotFound, readForm, RequestContext, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ApiKeysService } from '../api-keys.service';
import { API_KEY_SCOPES } from '../permissions';

const keyForm = z.object({
  name: z.string().trim().min(1, 'Give the key a name that says what uses it.').max(100),
  scopes: z.preprocess(
    (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.enum(API_KEY_SCOPES)).min(1, 'Choose at least one scope.'),
  ),
});

/** Admins create and revoke the keys integrations use for /api/v1. A new key is shown once. */
@Controller('console/api-keys')
@TenantSite()
export class ConsoleApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
  ) {}

  @Can('apikeys.manage')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  list(): Promise<string> {
    return this.render({ values: {} });
  }

  @Can('apikeys.manage')
  @Post()
  @HttpCode(200)
  async create(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    const form = readForm(keyForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        const created = await this.keys.create(form.data.name, form.data.scopes, this.context.actor()!.id);
        return this.render({ values: {}, created });
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = error.fields ?? {};
      }
    }
    reply.status(400);
    return this.render({ values: form.ok ? form.data : form.values, errors });
  }

  @Can('apikeys.manage')
  @Post(':id/revoke')
  @HttpCode(200)
  async revoke(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.keys.revoke(id))) throw new NotFound();
    void reply.redirect('/console/api-keys?revoked=1', 303);
  }

  private async render(data: Record<string, unknown>): Promise<string> {
    return this.views.render(
      'identity/api-keys',
      { title: 'API keys', keys: await this.keys.list(), allScopes: API_KEY_SCOPES, ...data },
      { layout: 'console' },
    );
  }
}
