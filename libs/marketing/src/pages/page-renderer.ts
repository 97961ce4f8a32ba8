import { Injectable } from '@nestjs/common';
import { NotFound } from '@consilium/core';
import { SiteRenderer } from '@consilium/tenancy';
import { PageModel, SiteData, SiteDataService } from './site-data.service';

/** Builds (or finds cached) a page's model and renders it with its SEO head; no model is a 404. */
@Injectable()
export class PageRenderer {
  constructor(
    private readonly data: SiteDataService,
    private readonly renderer: SiteRenderer,
  ) {}

  async render(template: string, key: string, build: (data: SiteData) => PageModel | null): Promise<string> {
    const model = await this.data.model(key, build);
    if (!model) throw new NotFound();
    return this.renderer.render(`marketing/${template}`, model.meta, model.data);
  }
}
