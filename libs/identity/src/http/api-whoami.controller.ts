import { Controller, Get } from '@nestjs/common';
import { Can, RequestContext } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';

/** `GET /api/v1/whoami`: lets an integration check its key (which hospital, which scopes) before real calls. */
@Controller('api/v1')
@TenantSite()
export class ApiWhoamiController {
  constructor(private readonly context: RequestContext) {}

  @Can('api.access')
  @Get('whoami')
  whoami() {
    const actor = this.context.actor()!;
    const tenant = this.context.tenant<ResolvedTenant>();
    return {
      tenant: { slug: tenant.slug, name: tenant.name },
      key: { id: actor.id, scopes: (actor.scopes ?? []).filter((s) => s !== 'api.access') },
    };
  }
}
