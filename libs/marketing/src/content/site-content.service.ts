import { Injectable } from '@nestjs/common';
import { RequestContext, TenantDatabase } from '@consilium/core';
import { changedFields, TenantContentCache } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { Faq } from './faq.entity';
import { PAGE_KEYS, PageKey, PagesContent, SiteContent, FaqInput, TestimonialInput } from './site-content.types';
import { SitePage } from './site-page.entity';
import { Testimonial } from './testimonial.entity';

/**
 * Landing copy, pages, FAQs and testimonials. The blueprint applier and the admin console both write through here;
 * the site reads a cached copy (`forSite`) that every instance drops when the tenant's content changes.
 */
@Injectable()
export class SiteContentService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
  ) {}

  /** Makes the tenant's pages exactly `pages`: a page not given falls back to the platform's default text. */
  async syncPages(tx: EntityManager, tenantId: string, pages: PagesContent): Promise<string[]> {
    const existing = await tx.findBy(SitePage, { tenantId });
    const changes: string[] = [];
    for (const key of PAGE_KEYS) {
      const content = pages[key];
      const row = existing.find((p) => p.key === key);
      if (!content) {
        if (row) {
          await tx.delete(SitePage, { tenantId, id: row.id });
          changes.push(`remove page ${key}`);
        }
      } else if (!row) {
        await tx.insert(SitePage, { tenantId, key, content: content });
        changes.push(`add page ${key}`);
      } else if (changedFields({ content: row.content }, { content }).length) {
        await tx.update(SitePage, { tenantId, id: row.id }, { content: content });
        changes.push(`update page ${key}`);
      }
    }
    return changes;
  }

  /** FAQs are an ordered list: when anything differs, the list is rewritten in the new order. */
  async syncFaqs(tx: EntityManager, tenantId: string, faqs: FaqInput[]): Promise<string[]> {
    const current = (await this.faqs(tx, tenantId)).map(({ topic, question, answer }) => ({ topic, question, answer }));
    if (!changedFields({ list: current }, { list: faqs }).length) return [];
    await tx.delete(Faq, { tenantId });
    if (faqs.length)
      await tx.insert(
        Faq,
        faqs.map((f, position) => ({ tenantId, position, ...f })),
      );
    return [`update faqs (${faqs.length})`];
  }

  async syncTestimonials(tx: EntityManager, tenantId: string, testimonials: TestimonialInput[]): Promise<string[]> {
    const current = await this.testimonials(tx, tenantId);
    if (!changedFields({ list: current }, { list: testimonials }).length) return [];
    await tx.delete(Testimonial, { tenantId });
    if (testimonials.length) {
      await tx.insert(
        Testimonial,
        testimonials.map((t, position) => ({ tenantId, position, quote: t.quote, author: t.author, context: t.context ?? null })),
      );
    }
    return [`update testimonials (${testimonials.length})`];
  }

  async load(tx: EntityManager, tenantId: string): Promise<SiteContent> {
    const pages = await tx.find(SitePage, { where: { tenantId }, order: { key: 'ASC' } });
    return {
      pages: Object.fromEntries(pages.map((p) => [p.key, p.content])),
      faqs: await this.faqs(tx, tenantId),
      testimonials: await this.testimonials(tx, tenantId),
    };
  }

  forSite(tenantId: string): Promise<SiteContent> {
    return this.cache.get(tenantId, 'marketing', () => this.db.forTenant(tenantId, (tx) => this.load(tx, tenantId)));
  }

  /** For the admin console: replaces one page's copy for the current tenant. */
  updatePage<K extends PageKey>(key: K, content: PagesContent[K]): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const { pages } = await this.load(tx, tenantId);
      return this.syncPages(tx, tenantId, { ...pages, [key]: content });
    });
  }

  /**
   * For the admin console: the pricing, privacy and terms pages in one save. A page's search-engine title and
   * description (set by a blueprint) stay; a page given as undefined falls back to the platform's text.
   */
  updateInfoPages(edited: Pick<PagesContent, 'pricing' | 'privacy' | 'terms'>): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const { pages } = await this.load(tx, tenantId);
      const next: PagesContent = { ...pages };
      for (const key of ['pricing', 'privacy', 'terms'] as const) {
        const seo = pages[key]?.seo;
        next[key] = edited[key] ? ({ ...edited[key], ...(seo ? { seo } : {}) } as never) : undefined;
      }
      return this.syncPages(tx, tenantId, next);
    });
  }

  /** For the admin console. */
  replaceFaqs(faqs: FaqInput[]): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction((tx) => this.syncFaqs(tx, tenantId, faqs));
  }

  /** For the admin console. */
  replaceTestimonials(testimonials: TestimonialInput[]): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction((tx) => this.syncTestimonials(tx, tenantId, testimonials));
  }

  private async faqs(tx: EntityManager, tenantId: string): Promise<FaqInput[]> {
    return (await tx.find(Faq, { where: { tenantId }, order: { position: 'ASC' } })).map((f) => ({
      topic: f.topic,
      question: f.question,
      answer: f.answer,
    }));
  }

  private async testimonials(tx: EntityManager, tenantId: string): Promise<TestimonialInput[]> {
    return (await tx.find(Testimonial, { where: { tenantId }, order: { position: 'ASC' } })).map((t) => ({
      quote: t.quote,
      author: t.author,
      ...(t.context ? { context: t.context } : {}),
    }));
  }
}
