import type { Localized } from '@consilium/tenancy';
import type { FaqTopic } from './faq.entity';

export const PAGE_KEYS = ['home', 'seo', 'how-it-works', 'pricing', 'contact', 'privacy', 'terms'] as const;
export type PageKey = (typeof PAGE_KEYS)[number];

export interface FaqInput {
  topic: FaqTopic;
  question: Localized;
  answer: Localized;
}

export interface TestimonialInput {
  quote: Localized;
  author: string;
  context?: Localized;
}

/** Step or value point: a short title and a sentence. */
export interface TitledText {
  title: Localized;
  text: Localized;
}

/** `home` page content: the blueprint's `landing:`. */
export interface LandingContent {
  hero: { title: Localized; subtitle?: Localized; cta?: Localized };
  value?: { title: Localized; points: TitledText[] };
  steps?: TitledText[];
  call_to_action?: { title: Localized; text?: Localized; button?: Localized };
}

export interface PageSeo {
  title?: Localized;
  description?: Localized;
}

export interface TextSection {
  heading: Localized;
  body: Localized;
}

/** The blueprint's `pages:`, one row each. */
export interface PagesContent {
  seo?: { title?: Localized; description: Localized };
  'how-it-works'?: { intro?: Localized; seo?: PageSeo };
  pricing?: { intro?: Localized; refund_policy: Localized; seo?: PageSeo };
  contact?: { intro?: Localized; hours?: Localized; seo?: PageSeo };
  privacy?: { sections: TextSection[]; seo?: PageSeo };
  terms?: { sections: TextSection[]; seo?: PageSeo };
  home?: LandingContent;
}

/** A tenant's marketing content as the site reads it. */
export interface SiteContent {
  pages: PagesContent;
  faqs: FaqInput[];
  testimonials: TestimonialInput[];
}
