import { paragraphs as splitParagraphs } from '@consilium/roster';
import type { Localized } from '@consilium/tenancy';
import type { SiteData } from './site-data.service';

export interface FaqView {
  question: string;
  answer: string[];
}

/** Blank lines separate paragraphs in blueprint text. */
export function paragraphs(text: string | undefined): string[] {
  return text ? splitParagraphs(text) : [];
}

/** A meta description: the first sentences that fit in about 160 characters. */
export function summarize(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const sentence = cut.lastIndexOf('. ');
  return sentence > 60 ? cut.slice(0, sentence + 1) : `${cut.slice(0, cut.lastIndexOf(' '))}…`;
}

export function faqView(d: SiteData, faq: { question: Localized; answer: Localized }): FaqView {
  return { question: d.text(faq.question)!, answer: paragraphs(d.text(faq.answer)) };
}

/** Home > ... > this page. */
export function breadcrumbs(d: SiteData, ...trail: [label: string, path: string][]): { label: string; path: string }[] {
  return [{ label: d.t('site.nav.home'), path: '/' }, ...trail.map(([label, path]) => ({ label, path }))];
}

/** The closing call to action: the hospital's own words, or the platform's. */
export function callToAction(d: SiteData, href = '/start'): { title: string; text?: string; button: string; href: string } {
  const own = d.content.pages.home?.call_to_action;
  return {
    title: d.text(own?.title) ?? d.t('cta.title'),
    text: own ? d.text(own.text) : d.t('cta.text', { name: d.tenant.name }),
    button: d.text(own?.button) ?? d.t('cta.button'),
    href,
  };
}

/** From request to opinion: the hospital's steps, or the platform's four. */
export function steps(d: SiteData): { title: string; text: string }[] {
  const own = d.content.pages.home?.steps;
  if (own?.length) return own.map((s) => ({ title: d.text(s.title)!, text: d.text(s.text)! }));
  return [1, 2, 3, 4].map((n) => ({ title: d.t(`steps.${n}.title`), text: d.t(`steps.${n}.text`, { name: d.tenant.name }) }));
}

/** A page's own SEO title and description when the blueprint gives them. */
export function pageSeo(d: SiteData, seo: { title?: Localized; description?: Localized } | undefined, title: string, description: string) {
  return { title: d.text(seo?.title) ?? title, description: d.text(seo?.description) ?? description };
}
