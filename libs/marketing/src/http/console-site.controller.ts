import { Body, Controller, Get, Header, HttpCode, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, NotFound, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import {
  ConsoleForm,
  FAQ_TOPICS,
  FormBody,
  languageFields,
  localizedFields,
  ResolvedTenant,
  TenantContentCache,
  TenantSite,
  typedValues,
} from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import type { FaqTopic } from '../content/faq.entity';
import { SiteContentService } from '../content/site-content.service';
import type { FaqInput, LandingContent, SiteContent, TestimonialInput, TitledText } from '../content/site-content.types';

const HTML = 'text/html; charset=utf-8';
type Section = 'landing' | 'faqs' | 'testimonials';

/**
 * The hospital admin's landing copy: the home page's hero, value points and how-it-works steps, the FAQs and the
 * testimonials, written through SiteContentService as the blueprint's `landing:`, `faqs:` and `testimonials:` are.
 * Lists are numbered rows with one blank row to add and a box to remove, so the page needs no JavaScript.
 */
@Controller('console/site')
@TenantSite()
export class ConsoleSiteController {
  constructor(
    private readonly content: SiteContentService,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
    private readonly views: ViewRenderer,
  ) {}

  @Can('site.edit')
  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async page(): Promise<string> {
    return this.render(undefined, {}, {});
  }

  @Can('site.edit')
  @Audited({ action: 'site.landing_update', entityType: 'site_page' })
  @Post('landing')
  @HttpCode(200)
  async landing(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const form = new ConsoleForm(body ?? {});
    const locales = this.tenant().locales;
    const hero = {
      title: form.localized('hero_title', locales, { max: 200 }),
      subtitle: form.localized('hero_subtitle', locales, { optional: true, max: 500 }),
      cta: form.localized('hero_cta', locales, { optional: true, max: 60 }),
    };
    const valueTitle = form.localized('value_title', locales, { optional: true, max: 200 });
    const points = readTitled(form, 'point', locales);
    if (valueTitle && !points.length) form.fail('value_title', 'Add at least one value point, or leave the title empty.');
    if (!valueTitle && points.length) form.fail('value_title', 'Give the value points a title.');
    const steps = readTitled(form, 'step', locales);
    if (steps.length === 1) form.fail('steps', 'Describe at least two steps, or none for the standard ones.');
    if (!form.ok) return this.refused(reply, 'landing', body, form.errors);
    const current = (await this.load()).pages.home;
    const home: LandingContent = {
      hero: { title: hero.title!, ...(hero.subtitle ? { subtitle: hero.subtitle } : {}), ...(hero.cta ? { cta: hero.cta } : {}) },
      ...(valueTitle ? { value: { title: valueTitle, points } } : {}),
      ...(steps.length ? { steps } : {}),
      // Not edited here: kept as the blueprint set it.
      ...(current?.call_to_action ? { call_to_action: current.call_to_action } : {}),
    };
    await this.content.updatePage('home', home);
    return this.saved(reply, 'landing');
  }

  @Can('site.edit')
  @Audited({ action: 'site.faqs_update', entityType: 'faq' })
  @Post('faqs')
  @HttpCode(200)
  async faqs(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const form = new ConsoleForm(body ?? {});
    const locales = this.tenant().locales;
    const faqs: FaqInput[] = [];
    for (const i of form.rows('faq')) {
      if (form.checked(`faq_${i}_remove`) || form.blankRow('faq', i)) continue;
      const topic = form.text(`faq_${i}_topic`) || 'general';
      if (!(FAQ_TOPICS as readonly string[]).includes(topic)) form.fail(`faq_${i}_topic`, `Choose one of ${FAQ_TOPICS.join(', ')}.`);
      const question = form.localized(`faq_${i}_question`, locales, { max: 300 });
      const answer = form.localized(`faq_${i}_answer`, locales, { max: 3000 });
      if (question && answer) faqs.push({ topic: topic as FaqTopic, question, answer });
    }
    if (!form.ok) return this.refused(reply, 'faqs', body, form.errors);
    await this.content.replaceFaqs(faqs);
    return this.saved(reply, 'faqs');
  }

  @Can('site.edit')
  @Audited({ action: 'site.testimonials_update', entityType: 'testimonial' })
  @Post('testimonials')
  @HttpCode(200)
  async testimonials(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const form = new ConsoleForm(body ?? {});
    const locales = this.tenant().locales;
    const testimonials: TestimonialInput[] = [];
    for (const i of form.rows('testimonial')) {
      if (form.checked(`testimonial_${i}_remove`) || form.blankRow('testimonial', i)) continue;
      const quote = form.localized(`testimonial_${i}_quote`, locales, { max: 1000 });
      const author = form.text(`testimonial_${i}_author`);
      if (!author || author.length > 120)
        form.fail(
          `testimonial_${i}_author`,
          'Name the patient as they agreed to be named, e.g. Maria G., Joliet (at most 120 characters).',
        );
      const context = form.localized(`testimonial_${i}_context`, locales, { optional: true, max: 200 });
      if (quote && author) testimonials.push({ quote, author, ...(context ? { context } : {}) });
    }
    if (!form.ok) return this.refused(reply, 'testimonials', body, form.errors);
    await this.content.replaceTestimonials(testimonials);
    return this.saved(reply, 'testimonials');
  }

  private tenant(): ResolvedTenant {
    // Fails closed should an app mount this lib without identity's access guard.
    if (this.context.actor()?.kind !== 'staff') throw new NotFound();
    return this.context.tenant<ResolvedTenant>();
  }

  private load(): Promise<SiteContent> {
    const tenantId = this.tenant().id;
    return this.db.transaction((tx) => this.content.load(tx, tenantId));
  }

  private saved(reply: FastifyReply, section: Section): void {
    this.cache.invalidate(this.tenant().id);
    void reply.redirect(`/console/site?saved=${section}#${section}`, 303);
  }

  private async refused(reply: FastifyReply, section: Section, body: FormBody, errors: Record<string, string>): Promise<string> {
    reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
    return this.render(section, typedValues(body ?? {}), errors);
  }

  private async render(section: Section | undefined, typed: Record<string, string>, errors: Record<string, string>): Promise<string> {
    const locales = this.tenant().locales;
    const current = await this.load();
    const stored = currentValues(current, locales);
    // The refused section shows exactly what was typed; the others what is stored.
    const prefixes: Record<Section, RegExp> = { landing: /^(hero|value|point|step)_/, faqs: /^faq_/, testimonials: /^testimonial_/ };
    const values = section
      ? { ...Object.fromEntries(Object.entries(stored).filter(([k]) => !prefixes[section].test(k))), ...typed }
      : stored;
    const form = new ConsoleForm(values);
    const rowsOf = (prefix: string) => {
      const rows = form.rows(prefix);
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
    return this.views.render(
      'marketing/console-site',
      {
        title: 'Site copy',
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
          topics: FAQ_TOPICS.map((t) => ({ value: t, selected: (values[`faq_${i}_topic`] || 'general') === t })),
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
      },
      { layout: 'console' },
    );
  }
}

function readTitled(form: ConsoleForm, prefix: string, locales: string[]): TitledText[] {
  const out: TitledText[] = [];
  for (const i of form.rows(prefix)) {
    if (form.checked(`${prefix}_${i}_remove`) || form.blankRow(prefix, i)) continue;
    const title = form.localized(`${prefix}_${i}_title`, locales, { max: 200 });
    const text = form.localized(`${prefix}_${i}_text`, locales, { max: 1000 });
    if (title && text) out.push({ title, text });
  }
  return out;
}

function currentValues(content: SiteContent, locales: string[]): Record<string, string> {
  const home = content.pages.home;
  const values: Record<string, string> = {
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
