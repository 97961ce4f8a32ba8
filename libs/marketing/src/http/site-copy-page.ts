import { Injectable } from '@nestjs/common';
import { FormPresenter, RefusedForm, RequestContext, TenantDatabase } from '@consilium/core';
import { FAQ_TOPICS, languageFields, localizedFields, ResolvedTenant } from '@consilium/tenancy';
import { SiteContentService } from '../content/site-content.service';
import type { SiteContent, TitledText } from '../content/site-content.types';

type Values = Record<string, string | string[]>;
type Section = 'landing' | 'faqs' | 'testimonials';

/** Which fields belong to each of the page's three forms. */
const SECTIONS: Record<Section, RegExp> = { landing: /^(hero|value|point|step)_/, faqs: /^faq_/, testimonials: /^testimonial_/ };

/**
 * The site copy editor's view model: the three forms (home page, FAQs, testimonials) with what is stored, and a
 * refused one exactly as typed. Lists are numbered rows with one blank row to add, so the page needs no JavaScript.
 */
@Injectable()
export class SiteCopyPage implements FormPresenter {
  constructor(
    private readonly content: SiteContentService,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async show(): Promise<Record<string, unknown>> {
    return this.model(await this.stored(), {});
  }

  /** The refused section shows exactly what was typed; the others what is stored. */
  async refused({ action, values, errors }: RefusedForm): Promise<Record<string, unknown>> {
    const section = (Object.keys(SECTIONS) as Section[]).find((s) => action.endsWith(`/${s}`));
    const stored = await this.stored();
    const kept = section ? Object.fromEntries(Object.entries(stored).filter(([k]) => !SECTIONS[section].test(k))) : stored;
    return this.model({ ...kept, ...values }, errors);
  }

  async current(): Promise<SiteContent> {
    const tenantId = this.tenant().id;
    return this.db.transaction((tx) => this.content.load(tx, tenantId));
  }

  private async stored(): Promise<Values> {
    return currentValues(await this.current(), this.tenant().locales);
  }

  private model(values: Values, errors: Record<string, string>): Record<string, unknown> {
    const locales = this.tenant().locales;
    const rowsOf = (prefix: string) => {
      const rows = rowNumbers(values, prefix);
      return [...rows, rows.length ? Math.max(...rows) + 1 : 0];
    };
    const titled = (prefix: string) =>
      rowsOf(prefix).map((i) => ({
        index: i,
        number: i + 1,
        titles: languageFields(`${prefix}_${i}_title`, locales),
        texts: languageFields(`${prefix}_${i}_text`, locales),
        remove: `${prefix}_${i}_remove`,
      }));
    const text = (name: string) => String(([] as string[]).concat(values[name] ?? '')[0] ?? '');
    return {
      hero: {
        titles: languageFields('hero_title', locales),
        subtitles: languageFields('hero_subtitle', locales),
        ctas: languageFields('hero_cta', locales),
      },
      valueTitles: languageFields('value_title', locales),
      points: titled('point'),
      steps: titled('step'),
      faqs: rowsOf('faq').map((i) => ({
        number: i + 1,
        topic: `faq_${i}_topic`,
        remove: `faq_${i}_remove`,
        topics: FAQ_TOPICS.map((t) => ({ value: t, selected: (text(`faq_${i}_topic`) || 'general') === t })),
        questions: languageFields(`faq_${i}_question`, locales),
        answers: languageFields(`faq_${i}_answer`, locales),
      })),
      testimonials: rowsOf('testimonial').map((i) => ({
        number: i + 1,
        author: `testimonial_${i}_author`,
        remove: `testimonial_${i}_remove`,
        quotes: languageFields(`testimonial_${i}_quote`, locales),
        contexts: languageFields(`testimonial_${i}_context`, locales),
      })),
      values,
      errors,
    };
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}

/** Row numbers present for `prefix` (`faq_0_topic`, `faq_3_answer_en` -> [0, 3]). */
function rowNumbers(values: Values, prefix: string): number[] {
  const pattern = new RegExp(`^${prefix}_(\\d{1,3})_`);
  const found = new Set<number>();
  for (const key of Object.keys(values)) {
    const m = pattern.exec(key);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

function currentValues(content: SiteContent, locales: string[]): Values {
  const home = content.pages.home;
  const values: Values = {
    ...localizedFields('hero_title', home?.hero.title, locales),
    ...localizedFields('hero_subtitle', home?.hero.subtitle, locales),
    ...localizedFields('hero_cta', home?.hero.cta, locales),
    ...localizedFields('value_title', home?.value?.title, locales),
  };
  const titled = (prefix: string, list: TitledText[] = []) =>
    list.forEach((t, i) =>
      Object.assign(
        values,
        localizedFields(`${prefix}_${i}_title`, t.title, locales),
        localizedFields(`${prefix}_${i}_text`, t.text, locales),
      ),
    );
  titled('point', home?.value?.points);
  titled('step', home?.steps);
  content.faqs.forEach((f, i) => {
    values[`faq_${i}_topic`] = f.topic;
    Object.assign(values, localizedFields(`faq_${i}_question`, f.question, locales), localizedFields(`faq_${i}_answer`, f.answer, locales));
  });
  content.testimonials.forEach((t, i) => {
    values[`testimonial_${i}_author`] = t.author;
    Object.assign(
      values,
      localizedFields(`testimonial_${i}_quote`, t.quote, locales),
      localizedFields(`testimonial_${i}_context`, t.context, locales),
    );
  });
  return values;
}
