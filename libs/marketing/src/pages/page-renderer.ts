import { Injectable } from '@nestjs/common';
import { NotFound, RequestContext } from '@consilium/core';
import { todayIn } from '@consilium/roster';
import { ResolvedTenant, SiteRenderer, TenantContentCache } from '@consilium/tenancy';
import { PageModel, SiteData, SiteDataService } from './site-data.service';

/**
 * Renders a site page with its SEO head and keeps the HTML per tenant, language, path and day, until that tenant's
 * content changes (NOTIFY, on every instance): a page view is then a lookup. This holds because site pages are the
 * same for every visitor; anything personal (the intake, the portal) must not be rendered through here.
 */
@Injectable()
export class PageRenderer {
  constructor(
    private readonly data: SiteDataService,
    private readonly renderer: SiteRenderer,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
  ) {}

  render(template: string, build: (data: SiteData) => PageModel | null): Promise<string> {
    const tenant = this.context.tenant<ResolvedTenant>();
    // The day is part of the key: a license that expired at midnight must leave the pages that mention it.
    const key = `html:${this.context.locale()}:${this.context.path()}:${todayIn(tenant.timeZone)}`;
    return this.cache.get(tenant.id, key, async () => {
      const model = await this.data.model(build);
      if (!model) throw new NotFound();
      return this.renderer.render(`marketing/${template}`, model.meta, model.data);
    });
  }
}
