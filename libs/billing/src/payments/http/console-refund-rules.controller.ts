import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, Form, FormBody, Layout, Page, parseForm, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import { ResolvedTenant, TenantContentCache, TenantResolver, TenantSettingsService, TenantSite } from '@consilium/tenancy';
import { offeringRefundForm, RefundRulesPage } from './refund-rules-page';

const LIST = 'payments/refund-rules';
const EDIT = 'payments/refund-rules-offering';
const TITLE = 'payments.refundRules.title';

/**
 * Refund rules per offering, for the hospital's admin: an offering follows the hospital's late-refund rules (set on
 * the brand page) or has its own, kept in the tenant's settings where the blueprint's `refunds.offerings` puts them
 * (so `tenants export` returns them, and `tenants apply` sees the console's edit).
 */
@Controller('console/refunds')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleRefundRulesController {
  constructor(
    private readonly page: RefundRulesPage,
    private readonly settings: TenantSettingsService,
    private readonly resolver: TenantResolver,
    private readonly cache: TenantContentCache,
    private readonly context: RequestContext,
  ) {}

  @Can('site.edit')
  @Get()
  @Page(LIST, { title: TITLE })
  list(@Query('saved') saved?: string) {
    return this.page.list(saved);
  }

  @Can('site.edit')
  @Get('offerings/:slug')
  @Page(EDIT, { title: TITLE })
  show(@Param('slug') slug: string) {
    return this.page.show(slug);
  }

  @Can('site.edit')
  @Audited({ action: 'payments.refund_rules_update', entityType: 'tenant' })
  @Post('offerings/:slug')
  @Form(EDIT, { presenter: RefundRulesPage, title: TITLE })
  async save(@Param('slug') slug: string, @Body() body: FormBody): Promise<Redirect> {
    const offering = await this.page.offering(slug);
    const tenant = this.context.tenant<ResolvedTenant>();
    await this.settings.update({ settings: parseForm(offeringRefundForm(tenant.settings, offering.slug), body) });
    this.resolver.invalidate(tenant.id);
    this.cache.invalidate(tenant.id);
    return redirect(`/console/refunds?saved=${encodeURIComponent(offering.slug)}`);
  }
}
