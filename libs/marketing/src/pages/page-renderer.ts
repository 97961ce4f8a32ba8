import { Injectable } from '@nestjs/common';
import { NotFound, RequestContext, todayIn } from '@consilium/core';
import { ResolvedTenant, SiteRenderer, TenantContentCache } from '@consilium/tenancy';
import { PageModel, SiteData, SiteDataService } from './site-data.service';

/** The view a site page is shown in: its cached body, inside the site layout with its SEO head. */
export const SITE_PAGE = 'site/body';

/**
 * A site page's model for the page flow (`@Page(SITE_PAGE, { cache: false })`): its SEO head and its body. The
 * page's own HTML (its template, not the layout) is kept per tenant, language, path and day until that tenant's
 * content changes (NOTIFY, on every instance): it is the same for every visitor. The layout is rendered per request,
 * since it shows who is signed in and carries their CSRF token.
 */
@Injectable()
export class PageRenderer {
  constructor(
    private readonly data: SiteDataService,
    private readonly renderer: SiteRenderer,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
  ) {}

  async render(template: string, build: (data: SiteData) => PageModel | null): Promise<Record<string, unknown>> {
    const tenant = this.context.tenant<ResolvedTenant>();
    // The day is part of the key: a license that expired at midnight must leave the pages that mention it.
    const key = `html:${this.context.locale()}:${this.context.path()}:${todayIn(tenant.timeZone)}`;
    const page = await this.cache.get(tenant.id, key, async () => {
      const model = await this.data.model(build);
      if (!model) throw new NotFound();
      return { meta: model.meta, body: this.renderer.body(`marketing/${template}`, model.data) };
    });
    return this.renderer.pageModel(page.body, page.meta);
  }
}
