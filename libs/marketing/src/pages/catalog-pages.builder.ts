import { Injectable } from '@nestjs/common';
import { FundingPresenter } from '@consilium/billing';
import { CatalogPresenter } from '@consilium/catalog';
import { RosterPresenter } from '@consilium/roster';
import { breadcrumbs, callToAction, faqView, pageSeo, paragraphs, summarize } from './page-parts';
import type { PageModel, SiteData } from './site-data.service';
import { breadcrumbList, faqPage, offer, offerCatalog } from './structured-data';

/** The specialties index, one page per specialty, and the pricing page. */
@Injectable()
export class CatalogPagesBuilder {
  constructor(
    private readonly catalog: CatalogPresenter,
    private readonly roster: RosterPresenter,
    private readonly funding: FundingPresenter,
  ) {}

  specialties(d: SiteData): PageModel {
    const title = d.t('specialties.title');
    const trail = breadcrumbs(d, [title, '/specialties']);
    return {
      meta: {
        path: '/specialties',
        title,
        description: d.t('specialties.description', { name: d.tenant.name }),
        jsonLd: [breadcrumbList(d, trail)],
      },
      data: {
        breadcrumbs: trail,
        tenantName: d.tenant.name,
        specialties: this.catalog.specialtyCards(d.catalog, d.locale, d.tenant.defaultLocale),
        cta: callToAction(d),
      },
    };
  }

  specialty(d: SiteData, slug: string): PageModel | null {
    const specialty = d.catalog.specialties.find((s) => s.slug === slug);
    if (!specialty) return null;
    const fallback = d.tenant.defaultLocale;
    const name = d.text(specialty.name)!;
    // No physician can take a case in it today: the page stays (bookmarks, search results) but sells nothing.
    const unavailable = !d.staffed.has(specialty.id);
    const offerings = unavailable ? [] : d.catalog.offerings.filter((o) => o.specialtyId === specialty.id);
    const trail = breadcrumbs(d, [d.t('specialties.title'), '/specialties'], [name, `/specialties/${slug}`]);
    const faqs = specialty.faqs.map((f) => faqView(d, f));
    const service = {
      '@context': 'https://schema.org',
      '@type': 'Service',
      serviceType: d.t('jsonld.service'),
      name: d.t('specialty.service', { specialty: name }),
      description: d.text(specialty.summary),
      provider: { '@type': 'Hospital', name: d.tenant.name, url: d.url('/') },
      offers: offerings.map((o) => offer(d, o)),
    };
    return {
      meta: {
        path: `/specialties/${slug}`,
        title: d.t('specialty.title', { specialty: name }),
        description: summarize(d.text(specialty.summary)!),
        jsonLd: [service, breadcrumbList(d, trail), ...(faqs.length ? [faqPage(faqs)] : [])],
      },
      data: {
        breadcrumbs: trail,
        specialty: {
          name,
          summary: d.text(specialty.summary),
          description: paragraphs(d.text(specialty.description)),
          reviewed: specialty.reviewed.map((r) => d.text(r)),
        },
        offerings: offerings.map((o) => this.catalog.offering(o, d.catalog, d.availability, d.locale, fallback)),
        physicians: d.roster.physicians
          .filter((p) => p.specialtyIds.includes(specialty.id))
          .map((p) => this.roster.card(p, d.catalog, d.tenant, d.locale)),
        funding: d.funding
          .filter((f) => !f.specialtyId || f.specialtyId === specialty.id)
          .map((f) => this.funding.view(f, d.catalog, d.locale, fallback)),
        faqs,
        unavailable,
        // Deep link: the wizard opens on this specialty's first offering.
        cta: unavailable ? callToAction(d) : callToAction(d, `/start?specialty=${encodeURIComponent(slug)}`),
      },
    };
  }

  pricing(d: SiteData): PageModel {
    const fallback = d.tenant.defaultLocale;
    const page = d.content.pages.pricing;
    const title = d.t('pricing.title');
    const trail = breadcrumbs(d, [title, '/pricing']);
    const offerings = d.catalog.offerings.map((o) => ({
      ...this.catalog.offering(o, d.catalog, d.availability, d.locale, fallback),
      specialtyPath: `/specialties/${o.specialtySlug}`,
      unavailable: !d.staffed.has(o.specialtyId),
    }));
    const seo = pageSeo(d, page?.seo, title, d.t('pricing.description', { name: d.tenant.name }));
    return {
      meta: {
        path: '/pricing',
        ...seo,
        jsonLd: [
          offerCatalog(
            d,
            d.t('jsonld.catalog', { name: d.tenant.name }),
            d.catalog.offerings.filter((o) => d.staffed.has(o.specialtyId)),
          ),
          breadcrumbList(d, trail),
        ],
      },
      data: {
        breadcrumbs: trail,
        intro: paragraphs(d.text(page?.intro) ?? d.t('pricing.intro')),
        regions: offerings[0]?.regionalPrices.map((r) => r.label) ?? [],
        offerings,
        ruleNotes: d.catalog.priceRules.map((r) => d.text(r.note)).filter(Boolean),
        addOnGroups: offerings.filter((o) => o.addOns.length && !o.unavailable).map((o) => ({ name: o.name, addOns: o.addOns })),
        funding: d.funding.map((f) => this.funding.view(f, d.catalog, d.locale, fallback)),
        refundPolicy: paragraphs(d.text(page?.refund_policy) ?? d.t('pricing.refund_default')),
        faqs: d.content.faqs.filter((f) => f.topic === 'pricing').map((f) => faqView(d, f)),
        cta: callToAction(d),
      },
    };
  }
}
