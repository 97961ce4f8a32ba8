import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  Can,
  field,
  Form,
  FormPresenter,
  Layout,
  NotFound,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
} from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { API_CREDENTIAL_KINDS, ApiKeysService } from '../api-keys.service';
import { API_KEY_SCOPES } from '../permissions';

const keyForm = z.object({
  name: field.text({ max: 100, required: 'identity.apiKeys.nameRequired' }),
  scopes: field.choices(API_KEY_SCOPES, { min: 1, message: 'identity.apiKeys.chooseScope' }),
  // Without a choice (a form from before OAuth clients), an API key.
  kind: field.choice(API_CREDENTIAL_KINDS, 'identity.apiKeys.chooseKind').optional(),
});

@Injectable()
export class ApiKeysPage implements FormPresenter {
  constructor(private readonly keys: ApiKeysService) {}

  refused(): Promise<Record<string, unknown>> {
    return this.model();
  }

  async model(created?: unknown): Promise<Record<string, unknown>> {
    return { keys: await this.keys.list(), allScopes: API_KEY_SCOPES, kinds: API_CREDENTIAL_KINDS, created };
  }
}

const API_KEYS = { title: 'identity.apiKeys.title' };

/**
 * Admins create and revoke the credentials integrations use for /api/v1: API keys, and OAuth clients (client
 * credentials grant) whose id and secret are traded for short-lived tokens. A new secret is shown once (never cached).
 */
@Controller('console/api-keys')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly page: ApiKeysPage,
    private readonly context: RequestContext,
  ) {}

  @Can('apikeys.manage')
  @Get()
  @Page('identity/api-keys', API_KEYS)
  list() {
    return this.page.model();
  }

  @Can('apikeys.manage')
  @Post()
  @Page('identity/api-keys', API_KEYS)
  @Form('identity/api-keys', { presenter: ApiKeysPage })
  async create(@Body() body: unknown) {
    const { name, scopes, kind } = parseForm(keyForm, body);
    const created = await this.keys.create(name, scopes, this.context.actor()!.id, kind ?? 'key');
    return this.page.model({ ...created, oauthClient: kind === 'oauth_client' });
  }

  @Can('apikeys.manage')
  @Post(':id/revoke')
  async revoke(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    if (!(await this.keys.revoke(id))) throw new NotFound();
    return redirect('/console/api-keys?revoked=1');
  }
}
