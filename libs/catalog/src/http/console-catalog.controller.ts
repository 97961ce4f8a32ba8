import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, Form, FormBody, Layout, NotFound, Page, parseForm, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import { ResolvedTenant, TenantContentCache, TenantSite } from '@consilium/tenancy';
import { OfferingsService } from '../offerings.service';
import { PriceRulesService } from '../price-rules.service';
import { offeringForm, priceRulesForm } from './catalog-forms';
import { CatalogPages } from './catalog-pages';

/**
 * The hospital admin's catalog editor: offerings (price, turnaround, follow-ups, paid extras, add-ons, withdrawn
 * or not) and price rules. It writes through the same services as blueprints, so `tenants export` shows the edit,
 * and the site shows it on the next request (the tables' triggers tell every instance; this one drops its copy at
 * once so the admin's next page view cannot race the notification).
 */
@Controller('console/catalog')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleCatalogController {
  constructor(
    private readonly offerings: OfferingsService,
    private readonly priceRules: PriceRulesService,
    private readonly pages: CatalogPages,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
  ) {}

  @Can('catalog.edit')
  @Get()
  @Page('catalog/console-catalog', { title: 'catalog.console.title' })
  overview() {
    return this.pages.overview();
  }

  @Can('catalog.edit')
  @Get('offerings/new')
  @Page('catalog/console-offering', { title: 'catalog.console.newOffering' })
  newOffering() {
    return this.pages.blank();
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_create', entityType: 'offering' })
  @Post('offerings')
  @Form('catalog/console-offering', { presenter: CatalogPages, title: 'catalog.console.newOffering' })
  async createOffering(@Body() body: FormBody): Promise<Redirect> {
    const tenant = this.tenant();
    const specialties = (await this.pages.specialtyOptions()).map((s) => s.slug);
    const { slug, specialtySlug, ...fields } = parseForm(offeringForm(tenant, [], { specialties }), body);
    await this.offerings.create({
      ...fields,
      slug: slug!,
      specialtySlug: specialtySlug!,
      currency: tenant.currency,
      intakeQuestions: [],
      exclusions: { jurisdictions: [], inpatients: false, other: [] },
    });
    this.cache.invalidate(tenant.id);
    return redirect(`/console/catalog?created=${encodeURIComponent(slug!)}`);
  }

  @Can('catalog.edit')
  @Get('offerings/:slug')
  @Page('catalog/console-offering')
  offering(@Param('slug') slug: string) {
    return this.pages.edit(slug);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_update', entityType: 'offering' })
  @Post('offerings/:slug')
  @Form('catalog/console-offering', { presenter: CatalogPages })
  async saveOffering(@Param('slug') slug: string, @Body() body: FormBody): Promise<Redirect> {
    const current = await this.pages.current(slug);
    await this.offerings.update(slug, parseForm(offeringForm(this.tenant(), current.addOns), body));
    this.cache.invalidate(this.tenant().id);
    return redirect(`/console/catalog?saved=${encodeURIComponent(slug)}`);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_withdraw', entityType: 'offering' })
  @Post('offerings/:slug/withdraw')
  async withdraw(@Param('slug') slug: string): Promise<Redirect> {
    if (!(await this.offerings.deactivate(slug))) throw new NotFound();
    this.cache.invalidate(this.tenant().id);
    return redirect(`/console/catalog?withdrawn=${encodeURIComponent(slug)}`);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_restore', entityType: 'offering' })
  @Post('offerings/:slug/restore')
  async restore(@Param('slug') slug: string): Promise<Redirect> {
    if (!(await this.offerings.restore(slug))) throw new NotFound();
    this.cache.invalidate(this.tenant().id);
    return redirect(`/console/catalog?restored=${encodeURIComponent(slug)}`);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.price_rules_update', entityType: 'price_rule' })
  @Post('price-rules')
  @Form('catalog/console-catalog', { presenter: CatalogPages, title: 'catalog.console.title' })
  async savePriceRules(@Body() body: FormBody): Promise<Redirect> {
    await this.priceRules.replace(parseForm(priceRulesForm(this.tenant()), body));
    this.cache.invalidate(this.tenant().id);
    return redirect('/console/catalog?saved=price-rules#price-rules');
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}
