import { Controller, Get, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Audited } from '@consilium/audit';
import { AppConfig, Can, Layout, Page, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import {
  PREVIEW_COOKIE,
  previewToken,
  ResolvedTenant,
  TenantContentCache,
  TenantResolver,
  TenantSettingsService,
  TenantSite,
} from '@consilium/tenancy';
import { LaunchChecklistService } from '../launch/launch-checklist';

const VIEW = 'marketing/console-launch';

/**
 * The admin's launch checklist, and the one button that opens the site: until then a hospital made in the operator's
 * wizard is `coming_soon` (its public pages and intake say when to come back, and are not indexed).
 */
@Controller('console/launch')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleLaunchController {
  constructor(
    private readonly checklist: LaunchChecklistService,
    private readonly settings: TenantSettingsService,
    private readonly context: RequestContext,
    private readonly resolver: TenantResolver,
    private readonly cache: TenantContentCache,
    private readonly config: AppConfig,
  ) {}

  @Can('site.edit')
  @Get()
  @Page(VIEW, { title: 'marketing.launch.title' })
  async show(@Query('launched') launched?: string, @Query('refused') refused?: string) {
    const tenant = this.context.tenant<ResolvedTenant>();
    const list = await this.checklist.for(tenant);
    return { ...list, comingSoon: tenant.status === 'coming_soon', launched: launched === '1', refused: refused === '1' };
  }

  /**
   * Sets the preview cookie for this host and opens the intake: the admin walks a request end to end (and pays with
   * the demo card, or Stripe's test card) while patients still see "coming soon".
   */
  @Can('site.edit')
  @Audited({ action: 'site.preview', entityType: 'tenant' })
  @Post('preview')
  preview(@Res({ passthrough: true }) reply: FastifyReply): Redirect {
    const tenant = this.context.tenant<ResolvedTenant>();
    reply.setCookie(PREVIEW_COOKIE, previewToken(this.config.appSecret, tenant.id), {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.raw.PUBLIC_SCHEME === 'https',
      maxAge: 7 * 24 * 3600,
    });
    return redirect('/start');
  }

  @Can('site.edit')
  @Audited({ action: 'site.launch', entityType: 'tenant' })
  @Post()
  async launch(): Promise<Redirect> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const list = await this.checklist.for(tenant);
    // The button is disabled until then; a stale page (or a second tab) comes back here and says why.
    if (!list.ready) return redirect('/console/launch?refused=1');
    await this.settings.launch();
    // This instance serves the open site from the very next request; the others hear of it through the change feed.
    this.resolver.invalidate(tenant.id);
    this.cache.invalidate(tenant.id);
    return redirect('/console/launch?launched=1');
  }
}
