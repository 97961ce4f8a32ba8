import { Controller, Get } from '@nestjs/common';
import { Can, RequestContext } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

/**
 * `GET /api/v1/whoami`: lets an integration check its key (which hospital, which scopes) before real calls. Identity's
 * own, so any process that authenticates API credentials answers it; the integrations lib documents it with the rest.
 */
@Controller('api/v1')
@TenantSite()
@ApiTags('Credentials')
export class ApiWhoamiController {
  constructor(private readonly context: RequestContext) {}

  @Can('api.access')
  @Get('whoami')
  @ApiBearerAuth('apiKey')
  @ApiOperation({ summary: 'Check a credential', description: 'Which hospital the key or token belongs to, and its scopes.' })
  @ApiOkResponse({
    description: 'The hospital and the scopes.',
    schema: {
      type: 'object',
      required: ['tenant', 'key'],
      properties: {
        tenant: { type: 'object', properties: { slug: { type: 'string' }, name: { type: 'string' } } },
        key: {
          type: 'object',
          properties: { id: { type: 'string', format: 'uuid' }, scopes: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  })
  whoami() {
    const actor = this.context.actor()!;
    const tenant = this.context.tenant<ResolvedTenant>();
    return {
      tenant: { slug: tenant.slug, name: tenant.name },
      key: { id: actor.id, scopes: (actor.scopes ?? []).filter((s) => s !== 'api.access') },
    };
  }
}
