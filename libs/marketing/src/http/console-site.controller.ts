import { Body, Controller, Get, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, Form, FormBody, Layout, Page, parseForm, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import { ResolvedTenant, TenantContentCache, TenantSite } from '@consilium/tenancy';
import { SiteContentService } from '../content/site-content.service';
import type { LandingContent } from '../content/site-content.types';
import { faqsForm, landingForm, testimonialsForm, withoutBlankTopics } from './site-copy-forms';
import { SiteCopyPage } from './site-copy-page';

const VIEW = 'marketing/console-site';

/**
 * The hospital admin's landing copy: the home page's hero, value points and how-it-works steps, the FAQs and the
 * testimonials, written through SiteContentService as the blueprint's `landing:`, `faqs:` and `testimonials:` are.
 */
@Controller('console/site')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleSiteController {
  constructor(
    private readonly content: SiteContentService,
    private readonly page: SiteCopyPage,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
  ) {}

  @Can('site.edit')
  @Get()
  @Page(VIEW, { title: 'marketing.console.title' })
  show() {
    return this.page.show();
  }

  @Can('site.edit')
  @Audited({ action: 'site.landing_update', entityType: 'site_page' })
  @Post('landing')
  @Form(VIEW, { presenter: SiteCopyPage, title: 'marketing.console.title' })
  async landing(@Body() body: FormBody): Promise<Redirect> {
    const edited = parseForm(landingForm(this.tenant().locales), body);
    const current = (await this.page.current()).pages.home;
    // The call to action is not edited here: kept as the blueprint set it.
    const home: LandingContent = { ...edited, ...(current?.call_to_action ? { call_to_action: current.call_to_action } : {}) };
    await this.content.updatePage('home', home);
    return this.saved('landing');
  }

  @Can('site.edit')
  @Audited({ action: 'site.faqs_update', entityType: 'faq' })
  @Post('faqs')
  @Form(VIEW, { presenter: SiteCopyPage, title: 'marketing.console.title' })
  async faqs(@Body() body: FormBody): Promise<Redirect> {
    await this.content.replaceFaqs(parseForm(faqsForm(this.tenant().locales), withoutBlankTopics(body)));
    return this.saved('faqs');
  }

  @Can('site.edit')
  @Audited({ action: 'site.testimonials_update', entityType: 'testimonial' })
  @Post('testimonials')
  @Form(VIEW, { presenter: SiteCopyPage, title: 'marketing.console.title' })
  async testimonials(@Body() body: FormBody): Promise<Redirect> {
    await this.content.replaceTestimonials(parseForm(testimonialsForm(this.tenant().locales), body));
    return this.saved('testimonials');
  }

  private saved(section: string): Redirect {
    this.cache.invalidate(this.tenant().id);
    return redirect(`/console/site?saved=${section}#${section}`);
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}
