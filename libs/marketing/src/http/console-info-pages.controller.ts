import { Body, Controller, Get, Injectable, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  Form,
  FormBody,
  FormPresenter,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
  StaffOnly,
  TenantDatabase,
} from '@consilium/core';
import { languageFields, localizedFields, ResolvedTenant, TenantContentCache, TenantSite } from '@consilium/tenancy';
import { SiteContentService } from '../content/site-content.service';
import type { TextSection } from '../content/site-content.types';
import { infoPagesForm } from './info-pages-form';

type Values = Record<string, string | string[]>;
const VIEW = 'marketing/console-info-pages';
const TITLE = 'marketing.console.pages.title';

/** The info pages' form: what is stored, or what was typed; one blank section more in each list. */
@Injectable()
export class InfoPagesPage implements FormPresenter {
  constructor(
    private readonly content: SiteContentService,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async show(saved?: string): Promise<Record<string, unknown>> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const { pages } = await this.db.transaction((tx) => this.content.load(tx, tenant.id));
    const values: Values = {
      ...localizedFields('pricing_intro', pages.pricing?.intro, tenant.locales),
      ...localizedFields('refund_policy', pages.pricing?.refund_policy, tenant.locales),
      ...sectionValues('privacy', pages.privacy?.sections ?? [], tenant.locales),
      ...sectionValues('terms', pages.terms?.sections ?? [], tenant.locales),
    };
    return { ...this.model(values), saved: !!saved };
  }

  refused({ values }: RefusedForm): Record<string, unknown> {
    return this.model(values);
  }

  private model(values: Values): Record<string, unknown> {
    const locales = this.context.tenant<ResolvedTenant>().locales;
    const rows = (list: string) => {
      const shown = [
        ...new Set(
          Object.keys(values)
            .map((k) => new RegExp(`^${list}_(\\d{1,3})_`).exec(k)?.[1])
            .filter((n): n is string => n !== undefined)
            .map(Number),
        ),
      ].sort((a, b) => a - b);
      const next = shown.length ? Math.max(...shown) + 1 : 0;
      return [...shown, next].map((i) => ({
        number: i + 1,
        existing: i !== next,
        remove: `${list}_${i}_remove`,
        headings: languageFields(`${list}_${i}_heading`, locales),
        bodies: languageFields(`${list}_${i}_body`, locales),
      }));
    };
    return {
      introFields: languageFields('pricing_intro', locales),
      refundFields: languageFields('refund_policy', locales),
      privacy: rows('privacy'),
      terms: rows('terms'),
      values,
    };
  }
}

function sectionValues(list: string, sections: TextSection[], locales: string[]): Values {
  const values: Values = {};
  sections.forEach((s, i) => {
    Object.assign(values, localizedFields(`${list}_${i}_heading`, s.heading, locales));
    Object.assign(values, localizedFields(`${list}_${i}_body`, s.body, locales));
  });
  return values;
}

/**
 * The hospital admin's info pages: the pricing page's introduction and refund policy, the privacy notice and the
 * terms, stored as the blueprint's `pages:` are (so export carries them, and the apply check sees them).
 */
@Controller('console/site/pages')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleInfoPagesController {
  constructor(
    private readonly content: SiteContentService,
    private readonly page: InfoPagesPage,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
  ) {}

  @Can('site.edit')
  @Get()
  @Page(VIEW, { title: TITLE })
  show(@Query('saved') saved?: string) {
    return this.page.show(saved);
  }

  @Can('site.edit')
  @Audited({ action: 'site.pages_update', entityType: 'site_page' })
  @Post()
  @Form(VIEW, { presenter: InfoPagesPage, title: TITLE })
  async save(@Body() body: FormBody): Promise<Redirect> {
    const tenant = this.context.tenant<ResolvedTenant>();
    await this.content.updateInfoPages(parseForm(infoPagesForm(tenant.locales), body));
    this.cache.invalidate(tenant.id);
    return redirect('/console/site/pages?saved=1');
  }
}
