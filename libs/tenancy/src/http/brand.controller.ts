import { Controller, Get, Param, Res } from '@nestjs/common';
import { NotFound, Public, RequestContext, Resource, TenantDatabase } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { themeCss } from '../branding';
import { ResolvedTenant } from '../resolved-tenant';
import { TenantAsset } from '../tenant-asset.entity';
import { TenantSite } from '../tenant-site.guard';

/** The tenant's theme stylesheet and brand images. URLs carry a version, so both cache for a year. */
@Controller()
@TenantSite()
export class BrandController {
  constructor(
    private readonly context: RequestContext,
    private readonly db: TenantDatabase,
  ) {}

  @Public()
  @Get('theme.css')
  @Resource('text/css; charset=utf-8', { cache: 'public, max-age=31536000, immutable' })
  theme(): string {
    return themeCss(this.context.tenant<ResolvedTenant>().branding);
  }

  @Public()
  @Get('brand/:version/:name')
  async asset(@Param('version') version: string, @Param('name') name: string, @Res() reply: FastifyReply): Promise<void> {
    const asset = await this.db.transaction((tx) => tx.findOneBy(TenantAsset, { name }));
    if (!asset || !asset.sha256.startsWith(version)) throw new NotFound();
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      // An SVG opened directly must not run anything.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
      .send(asset.bytes);
  }
}
