import { Injectable } from '@nestjs/common';
import { BlueprintInput, BlueprintSection, SectionApplyContext } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { SiteContentService } from './site-content.service';
import type { PagesContent } from './site-content.types';

/** `seo:`, `landing:`, `faqs:`, `testimonials:` and `pages:` of tenant.yaml. */
@Injectable()
export class MarketingBlueprintSection implements BlueprintSection {
  readonly name = 'marketing';
  readonly order = 40;

  constructor(private readonly content: SiteContentService) {}

  async apply({ tx, tenantId, blueprint: bp, changes }: SectionApplyContext): Promise<void> {
    const pages: PagesContent = {
      home: bp.landing,
      seo: bp.seo,
      'how-it-works': bp.pages.how_it_works,
      pricing: bp.pages.pricing,
      contact: bp.pages.contact,
      privacy: bp.pages.privacy,
      terms: bp.pages.terms,
    };
    changes.push(...(await this.content.syncPages(tx, tenantId, pages)));
    changes.push(...(await this.content.syncFaqs(tx, tenantId, bp.faqs)));
    changes.push(...(await this.content.syncTestimonials(tx, tenantId, bp.testimonials)));
  }

  async export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>> {
    const { pages, faqs, testimonials } = await this.content.load(tx, tenantId);
    return {
      seo: pages.seo,
      landing: pages.home,
      faqs,
      testimonials,
      pages: {
        how_it_works: pages['how-it-works'],
        pricing: pages.pricing,
        contact: pages.contact,
        privacy: pages.privacy,
        terms: pages.terms,
      },
    };
  }
}
