import { Injectable } from '@nestjs/common';
import { AppConfig, localizedPath, RequestContext, todayIn, Translator } from '@consilium/core';
import { FundingProgramRecord, FundingProgramsService } from '@consilium/billing';
import { CatalogReader, CatalogSnapshot, RegionAvailability } from '@consilium/catalog';
import { licensedJurisdictions, RosterReader, RosterSnapshot, staffedSpecialtyIds } from '@consilium/roster';
import { Localized, localize, ResolvedTenant, SitePageMeta } from '@consilium/tenancy';
import { SiteContentService } from '../content/site-content.service';
import type { SiteContent } from '../content/site-content.types';

/** Everything a page of one tenant's site is built from, in the language of the request. */
export interface SiteData {
  tenant: ResolvedTenant;
  locale: string;
  catalog: CatalogSnapshot;
  roster: RosterSnapshot;
  funding: FundingProgramRecord[];
  content: SiteContent;
  /** YYYY-MM-DD in the hospital's time zone: licenses count through their expiry day. */
  today: string;
  /** Where a physician of the hospital holds a license current today. */
  licensed: Set<string>;
  /** Specialty ids a physician can take a case in today (staffedSpecialtyIds): the others are not sold. */
  staffed: Set<string>;
  availability: RegionAvailability;
  /** The text of `value` in the page's language (the tenant's default language when missing). */
  text(value: Localized | undefined): string | undefined;
  /** The platform's words, `marketing.*` unless the key names another namespace. */
  t(key: string, params?: Record<string, unknown>): string;
  /** Absolute URL of a page of this site, in the page's language. */
  url(path: string): string;
  /** `https://primary.host`: the site's one origin (alias domains redirect here). */
  origin: string;
}

export interface PageModel {
  meta: SitePageMeta;
  data: Record<string, unknown>;
}

/** Gathers a tenant's catalog, roster, funding and copy, each cached until that tenant's content changes. */
@Injectable()
export class SiteDataService {
  constructor(
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly translator: Translator,
    private readonly catalog: CatalogReader,
    private readonly roster: RosterReader,
    private readonly funding: FundingProgramsService,
    private readonly content: SiteContentService,
  ) {}

  /** The model of a page of the current tenant, in the request's language, built from the cached snapshots. */
  async model(build: (data: SiteData) => PageModel | null): Promise<PageModel | null> {
    const tenant = this.context.tenant<ResolvedTenant>();
    return build(await this.load(tenant, this.context.locale(), todayIn(tenant.timeZone)));
  }

  /** The current tenant's catalog and roster, to check that a slug exists before building (or caching) a page. */
  async snapshots(): Promise<{ catalog: CatalogSnapshot; roster: RosterSnapshot }> {
    const tenant = this.context.tenant();
    const [catalog, roster] = await Promise.all([this.catalog.snapshot(tenant.id), this.roster.snapshot(tenant.id)]);
    return { catalog, roster };
  }

  private async load(tenant: ResolvedTenant, locale: string, today: string): Promise<SiteData> {
    const [catalog, roster, funding, content] = await Promise.all([
      this.catalog.snapshot(tenant.id),
      this.roster.snapshot(tenant.id),
      this.funding.forSite(tenant.id),
      this.content.forSite(tenant.id),
    ]);
    const licensed = licensedJurisdictions(roster.physicians, today);
    const staffed = staffedSpecialtyIds(roster.physicians, today);
    const policy = tenant.settings.licensure;
    const origin = this.config.originFor(tenant.primaryHost);
    return {
      tenant,
      locale,
      catalog,
      roster,
      funding,
      content,
      today,
      licensed,
      staffed,
      availability: {
        homeJurisdiction: tenant.settings.homeJurisdiction,
        outOfState: policy.unlicensedStates === 'decline' ? 'licensed_only' : 'all',
        international: policy.international !== 'decline' || [...licensed].some((j) => !j.startsWith('US-')),
      },
      text: (value) => localize(value, locale, tenant.defaultLocale),
      t: (key, params) =>
        this.translator.t(/^(site|catalog|roster|funding|core|marketing)\./.test(key) ? key : `marketing.${key}`, locale, params),
      url: (path) => `${origin}${localizedPath(path, locale, tenant.defaultLocale)}`,
      origin,
    };
  }
}
