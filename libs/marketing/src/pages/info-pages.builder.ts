import { Injectable } from '@nestjs/common';
import { emergencyNumber } from '@consilium/core';
import { listJurisdictions, LicensureRoute } from '@consilium/tenancy';
import type { FaqTopic } from '../content/faq.entity';
import { breadcrumbs, callToAction, faqView, FaqView, pageSeo, paragraphs, steps } from './page-parts';
import type { PageModel, SiteData } from './site-data.service';
import { breadcrumbList, faqPage, hospital } from './structured-data';

const TOPICS: FaqTopic[] = ['general', 'pricing', 'licensure', 'records'];

/** How it works (with the licensure routes in plain words), FAQ, contact, privacy and terms. */
@Injectable()
export class InfoPagesBuilder {
  howItWorks(d: SiteData): PageModel {
    const page = d.content.pages['how-it-works'];
    const title = d.t('how.title');
    const trail = breadcrumbs(d, [title, '/how-it-works']);
    const seo = pageSeo(d, page?.seo, title, d.t('how.description', { name: d.tenant.name }));
    return {
      meta: { path: '/how-it-works', ...seo, jsonLd: [breadcrumbList(d, trail)] },
      data: {
        breadcrumbs: trail,
        intro: paragraphs(d.text(page?.intro) ?? d.t('how.intro', { name: d.tenant.name })),
        steps: steps(d),
        routes: this.licensureRoutes(d),
        faqs: d.content.faqs.filter((f) => f.topic === 'licensure' || f.topic === 'records').map((f) => faqView(d, f)),
        cta: callToAction(d),
      },
    };
  }

  /** What happens for a patient where the hospital's physicians are licensed, in other states, and abroad. */
  licensureRoutes(d: SiteData): { title: string; text: string }[] {
    const policy = d.tenant.settings.licensure;
    const places = [...d.licensed];
    const route = (where: 'states' | 'abroad', r: LicensureRoute) => d.t(`route.${where}.${r}`, { name: d.tenant.name });
    return [
      {
        title: d.t('route.direct.title'),
        text: places.length
          ? d.t('route.direct.text', { places: listJurisdictions(places, d.locale), name: d.tenant.name })
          : d.t('route.direct.none', { name: d.tenant.name }),
      },
      { title: d.t('route.states.title'), text: route('states', policy.unlicensedStates) },
      { title: d.t('route.abroad.title'), text: route('abroad', policy.international) },
    ];
  }

  faq(d: SiteData): PageModel {
    const title = d.t('faq.title');
    const trail = breadcrumbs(d, [title, '/faq']);
    const groups: { title: string; faqs: FaqView[] }[] = TOPICS.map((topic) => ({
      title: d.t(`faq.topic.${topic}`),
      faqs: d.content.faqs.filter((f) => f.topic === topic).map((f) => faqView(d, f)),
    }));
    for (const s of d.catalog.specialties) groups.push({ title: d.text(s.name)!, faqs: s.faqs.map((f) => faqView(d, f)) });
    const shown = groups.filter((g) => g.faqs.length);
    const all = shown.flatMap((g) => g.faqs);
    return {
      meta: {
        path: '/faq',
        title,
        description: d.t('faq.description', { name: d.tenant.name }),
        jsonLd: [...(all.length ? [faqPage(all)] : []), breadcrumbList(d, trail)],
      },
      data: { breadcrumbs: trail, groups: shown, cta: callToAction(d) },
    };
  }

  contact(d: SiteData): PageModel {
    const page = d.content.pages.contact;
    const title = d.t('contact.title');
    const trail = breadcrumbs(d, [title, '/contact']);
    const seo = pageSeo(d, page?.seo, title, d.t('contact.description', { name: d.tenant.name }));
    return {
      meta: { path: '/contact', ...seo, jsonLd: [hospital(d), breadcrumbList(d, trail)] },
      data: {
        breadcrumbs: trail,
        intro: paragraphs(d.text(page?.intro) ?? d.t('contact.intro', { name: d.tenant.name })),
        contact: d.tenant.profile.contact ?? {},
        hours: d.text(page?.hours),
        // The hospital's own country's number (its home state in the blueprint); without one, 112, which mobile
        // phones route to the local emergency service almost everywhere.
        emergency: emergencyNumber(d.tenant.settings.homeJurisdiction),
      },
    };
  }

  /** Privacy or terms: the hospital's own sections, or the platform's default text in its name. */
  legal(d: SiteData, key: 'privacy' | 'terms'): PageModel {
    const page = d.content.pages[key];
    const title = d.t(`${key}.title`);
    const trail = breadcrumbs(d, [title, `/${key}`]);
    const sections = page
      ? page.sections.map((s) => ({ heading: d.text(s.heading), body: paragraphs(d.text(s.body)) }))
      : [1, 2, 3, 4].map((n) => ({
          heading: d.t(`${key}.${n}.heading`),
          body: paragraphs(d.t(`${key}.${n}.body`, { name: d.tenant.name })),
        }));
    const seo = pageSeo(d, page?.seo, title, d.t(`${key}.description`, { name: d.tenant.name }));
    return {
      meta: { path: `/${key}`, ...seo, jsonLd: [breadcrumbList(d, trail)] },
      data: { breadcrumbs: trail, pageTitle: title, sections },
    };
  }
}
