import { Injectable } from '@nestjs/common';
import { RosterPresenter } from '@consilium/roster';
import { breadcrumbs, callToAction, summarize } from './page-parts';
import type { PageModel, SiteData } from './site-data.service';
import { breadcrumbList, physician } from './structured-data';

/** The physicians index and one profile per physician. */
@Injectable()
export class RosterPagesBuilder {
  constructor(private readonly roster: RosterPresenter) {}

  physicians(d: SiteData): PageModel {
    const title = d.t('physicians.title');
    const trail = breadcrumbs(d, [title, '/physicians']);
    return {
      meta: {
        path: '/physicians',
        title,
        description: d.t('physicians.description', { name: d.tenant.name }),
        jsonLd: [breadcrumbList(d, trail)],
      },
      data: {
        breadcrumbs: trail,
        tenantName: d.tenant.name,
        physicians: d.roster.physicians.map((p) => this.roster.card(p, d.catalog, d.tenant, d.locale)),
        cta: callToAction(d),
      },
    };
  }

  physician(d: SiteData, slug: string): PageModel | null {
    const record = d.roster.physicians.find((p) => p.slug === slug);
    if (!record) return null;
    const profile = this.roster.profile(record, d.catalog, d.tenant, d.locale);
    const trail = breadcrumbs(d, [d.t('physicians.title'), '/physicians'], [profile.name, profile.path]);
    return {
      meta: {
        path: profile.path,
        title: profile.fullName,
        description: summarize(`${profile.title}. ${profile.bio[0] ?? ''}`),
        ogType: 'profile',
        image: profile.photoUrl,
        jsonLd: [physician(d, profile), breadcrumbList(d, trail)],
      },
      data: {
        breadcrumbs: trail,
        physician: profile,
        cta: { ...callToAction(d), href: `/start?physician=${record.slug}` },
      },
    };
  }
}
