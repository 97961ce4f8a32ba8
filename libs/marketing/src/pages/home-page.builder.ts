import { Injectable } from '@nestjs/common';
import { formatMoney } from '@consilium/core';
import { CatalogPresenter } from '@consilium/catalog';
import { RosterPresenter } from '@consilium/roster';
import { callToAction, faqView, pageSeo, steps, summarize } from './page-parts';
import type { PageModel, SiteData } from './site-data.service';
import { hospital } from './structured-data';

/** Shown on the home page: the featured physicians, or the first ones when none is featured. */
const HOME_PHYSICIANS = 4;
const HOME_FAQS = 4;

@Injectable()
export class HomePageBuilder {
  constructor(
    private readonly catalog: CatalogPresenter,
    private readonly roster: RosterPresenter,
  ) {}

  build(d: SiteData): PageModel {
    const { tenant } = d;
    const landing = d.content.pages.home;
    const hero = {
      title: d.text(landing?.hero.title) ?? d.t('hero.title', { name: tenant.name }),
      subtitle: landing ? d.text(landing.hero.subtitle) : d.t('hero.subtitle', { name: tenant.name }),
      cta: d.text(landing?.hero.cta) ?? d.t('hero.cta'),
    };
    const featured = d.roster.physicians.filter((p) => p.featured);
    const physicians = (featured.length ? featured : d.roster.physicians).slice(0, HOME_PHYSICIANS);
    const cheapest = d.catalog.offerings.reduce((min, o) => Math.min(min, o.priceMinor), Infinity);
    const seo = pageSeo(d, d.content.pages.seo, d.t('home.title', { name: tenant.name }), summarize(hero.subtitle ?? hero.title));
    return {
      meta: { path: '/', title: seo.title, description: seo.description, jsonLd: [hospital(d)] },
      data: {
        hero,
        value: landing?.value && {
          title: d.text(landing.value.title),
          points: landing.value.points.map((p) => ({ title: d.text(p.title), text: d.text(p.text) })),
        },
        specialties: this.catalog.specialtyCards(d.catalog, d.locale, tenant.defaultLocale),
        physicians: physicians.map((p) => this.roster.card(p, d.catalog, tenant, d.locale)),
        steps: steps(d),
        pricing: Number.isFinite(cheapest) && {
          from: d.t('home.from', { price: formatMoney(cheapest, tenant.currency, d.locale) }),
          funding: d.funding.length ? d.t('home.funding', { count: d.funding.length }) : undefined,
        },
        faqs: d.content.faqs
          .filter((f) => f.topic === 'general')
          .slice(0, HOME_FAQS)
          .map((f) => faqView(d, f)),
        testimonials: d.content.testimonials.map((t) => ({ quote: d.text(t.quote), author: t.author, context: d.text(t.context) })),
        cta: callToAction(d),
      },
    };
  }
}
