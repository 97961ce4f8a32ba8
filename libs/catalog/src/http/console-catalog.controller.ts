import { Body, Controller, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, InvalidInput, NotFound, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import {
  amountText,
  ConsoleForm,
  FormBody,
  languageFields,
  localize,
  localizedFields,
  PRICE_REGIONS,
  ResolvedTenant,
  slug as slugSchema,
  TenantContentCache,
  TenantSite,
  typedValues,
} from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import type { AddOnInput, OfferingInput, PriceRuleInput } from '../catalog.types';
import { OfferingsService } from '../offerings.service';
import { PriceRulesService } from '../price-rules.service';
import { SpecialtiesService } from '../specialties.service';

const HTML = 'text/html; charset=utf-8';

/**
 * The hospital admin's catalog editor: offerings (price, turnaround, follow-ups, paid extras, add-ons, withdrawn
 * or not) and price rules. It writes through the same services as blueprints, so `tenants export` shows the edit,
 * and the site shows it on the next request (the tables' triggers tell every instance; this one drops its copy at
 * once so the admin's next page view cannot race the notification).
 */
@Controller('console/catalog')
@TenantSite()
export class ConsoleCatalogController {
  constructor(
    private readonly offerings: OfferingsService,
    private readonly priceRules: PriceRulesService,
    private readonly specialties: SpecialtiesService,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly cache: TenantContentCache,
    private readonly views: ViewRenderer,
  ) {}

  @Can('catalog.edit')
  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async overview(): Promise<string> {
    return this.renderOverview({});
  }

  @Can('catalog.edit')
  @Get('offerings/new')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async newOffering(): Promise<string> {
    return this.renderNew({ turnaround_days: '5', follow_up_questions: '1' }, {});
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_create', entityType: 'offering' })
  @Post('offerings')
  @HttpCode(200)
  async createOffering(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const tenant = this.tenant();
    const form = new ConsoleForm(body ?? {});
    const slug = form.field('slug', slugSchema, form.text('slug').toLowerCase());
    const specialtySlug = form.text('specialty');
    if (!(await this.specialtyOptions()).some((s) => s.slug === specialtySlug))
      form.fail('specialty', 'Choose the specialty this offering belongs to.');
    const fields = readOffering(form, [], tenant);
    if (fields && slug) {
      try {
        await this.offerings.create({
          ...fields,
          slug,
          specialtySlug,
          currency: tenant.currency,
          intakeQuestions: [],
          exclusions: { jurisdictions: [], inpatients: false, other: [] },
        });
        this.cache.invalidate(tenant.id);
        return void reply.redirect(`/console/catalog?created=${encodeURIComponent(slug)}`, 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        Object.assign(form.errors, error.fields ?? {});
      }
    }
    reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
    return this.renderNew(typedValues(body ?? {}), form.errors);
  }

  @Can('catalog.edit')
  @Get('offerings/:slug')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async offering(@Param('slug') slug: string): Promise<string> {
    const current = await this.current(slug);
    return this.renderOffering(current, offeringValues(current, this.tenant().locales), {});
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_update', entityType: 'offering' })
  @Post('offerings/:slug')
  @HttpCode(200)
  async saveOffering(
    @Param('slug') slug: string,
    @Body() body: FormBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const current = await this.current(slug);
    const form = new ConsoleForm(body ?? {});
    const patch = readOffering(form, current.addOns, this.tenant());
    if (patch) {
      try {
        await this.offerings.update(slug, patch);
        this.cache.invalidate(this.tenant().id);
        return void reply.redirect(`/console/catalog?saved=${encodeURIComponent(slug)}`, 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        Object.assign(form.errors, error.fields ?? {});
      }
    }
    reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
    return this.renderOffering(current, typedValues(body ?? {}), form.errors);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_withdraw', entityType: 'offering' })
  @Post('offerings/:slug/withdraw')
  @HttpCode(200)
  async withdraw(@Param('slug') slug: string, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.offerings.deactivate(slug))) throw new NotFound();
    this.cache.invalidate(this.tenant().id);
    void reply.redirect(`/console/catalog?withdrawn=${encodeURIComponent(slug)}`, 303);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.offering_restore', entityType: 'offering' })
  @Post('offerings/:slug/restore')
  @HttpCode(200)
  async restore(@Param('slug') slug: string, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.offerings.restore(slug))) throw new NotFound();
    this.cache.invalidate(this.tenant().id);
    void reply.redirect(`/console/catalog?restored=${encodeURIComponent(slug)}`, 303);
  }

  @Can('catalog.edit')
  @Audited({ action: 'catalog.price_rules_update', entityType: 'price_rule' })
  @Post('price-rules')
  @HttpCode(200)
  async savePriceRules(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const form = new ConsoleForm(body ?? {});
    const rules = readPriceRules(form, this.tenant());
    if (rules) {
      await this.priceRules.replace(rules);
      this.cache.invalidate(this.tenant().id);
      return void reply.redirect('/console/catalog?saved=price-rules#price-rules', 303);
    }
    reply.status(400).header('content-type', HTML).header('cache-control', 'no-store');
    return this.renderOverview({ ruleValues: typedValues(body ?? {}), errors: form.errors });
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }

  private async current(slug: string): Promise<OfferingInput> {
    // Fails closed should an app mount this lib without identity's access guard.
    if (this.context.actor()?.kind !== 'staff') throw new NotFound();
    const tenantId = this.tenant().id;
    const found = (await this.db.transaction((tx) => this.offerings.list(tx, tenantId))).find((o) => o.slug === slug);
    if (!found) throw new NotFound();
    return found;
  }

  private async renderOverview(data: { ruleValues?: Record<string, string>; errors?: Record<string, string> }): Promise<string> {
    if (this.context.actor()?.kind !== 'staff') throw new NotFound();
    const tenant = this.tenant();
    const locale = this.context.locale();
    const tenantId = tenant.id;
    const [offerings, rules] = await Promise.all([
      this.offerings.overview(),
      this.db.transaction((tx) => this.priceRules.list(tx, tenantId)),
    ]);
    return this.views.render(
      'catalog/console-catalog',
      {
        title: 'Catalog',
        offerings: offerings.map((o) => ({ ...o, name: localize(o.name, locale, tenant.defaultLocale) })),
        currency: tenant.currency,
        hasHomeState: !!tenant.settings.homeJurisdiction,
        regions: PRICE_REGIONS.map((region) => ({
          region,
          kind: `${region}_kind`,
          amount: `${region}_amount`,
          percent: `${region}_percent`,
          notes: languageFields(`${region}_note`, tenant.locales),
          disabled: region === 'in_state' && !tenant.settings.homeJurisdiction,
        })),
        ruleValues: data.ruleValues ?? priceRuleValues(rules, tenant),
        errors: data.errors ?? {},
      },
      { layout: 'console' },
    );
  }

  private async specialtyOptions(): Promise<{ slug: string; name: string }[]> {
    const tenant = this.tenant();
    const locale = this.context.locale();
    const list = await this.db.transaction((tx) => this.specialties.list(tx, tenant.id));
    return list.map((s) => ({ slug: s.slug, name: localize(s.name, locale, tenant.defaultLocale) ?? s.slug }));
  }

  private async renderNew(values: Record<string, string>, errors: Record<string, string>): Promise<string> {
    if (this.context.actor()?.kind !== 'staff') throw new NotFound();
    const specialties = (await this.specialtyOptions()).map((s) => ({ ...s, selected: s.slug === values.specialty }));
    return this.renderOffering(undefined, values, errors, specialties);
  }

  private renderOffering(
    current: OfferingInput | undefined,
    values: Record<string, string>,
    errors: Record<string, string>,
    specialties?: { slug: string; name: string; selected: boolean }[],
  ): string {
    const tenant = this.tenant();
    const locales = tenant.locales;
    const form = new ConsoleForm(values);
    const rows = form.rows('addon');
    // Always one blank row more than shown: that is how an add-on is added without JavaScript.
    const next = rows.length ? Math.max(...rows) + 1 : 0;
    const addOns = [...rows, next].map((i) => ({
      index: i,
      code: `addon_${i}_code`,
      price: `addon_${i}_price`,
      remove: `addon_${i}_remove`,
      removeChecked: form.checked(`addon_${i}_remove`),
      existing: !!values[`addon_${i}_code`] && !!current?.addOns.some((a) => a.code === values[`addon_${i}_code`]),
      names: languageFields(`addon_${i}_name`, locales),
    }));
    return this.views.render(
      'catalog/console-offering',
      {
        title: current ? localize(current.name, this.context.locale(), tenant.defaultLocale) : undefined,
        slug: current?.slug,
        isNew: !current,
        specialties,
        currency: tenant.currency,
        nameFields: languageFields('name', locales),
        descriptionFields: languageFields('description', locales),
        addOns,
        values,
        errors,
      },
      { layout: 'console' },
    );
  }
}

export function offeringValues(o: OfferingInput, locales: string[]): Record<string, string> {
  const values: Record<string, string> = {
    ...localizedFields('name', o.name, locales),
    ...localizedFields('description', o.description, locales),
    price: amountText(o.priceMinor, o.currency),
    turnaround_days: String(o.turnaroundBusinessDays),
    follow_up_questions: String(o.followUpQuestions),
    extra_follow_up_price: amountText(o.extraFollowUpPriceMinor, o.currency),
    video_consult_price: amountText(o.videoConsultPriceMinor, o.currency),
  };
  o.addOns.forEach((a, i) => {
    values[`addon_${i}_code`] = a.code;
    values[`addon_${i}_price`] = amountText(a.priceMinor, o.currency);
    Object.assign(values, localizedFields(`addon_${i}_name`, a.name, locales));
  });
  return values;
}

/** The edit as a patch of the offering, or undefined when any field is refused (then nothing is written). */
/** What the offering form edits; the rest (specialty, intake questions, exclusions) stays as the blueprint set it. */
type OfferingFields = Pick<
  OfferingInput,
  | 'name'
  | 'description'
  | 'priceMinor'
  | 'turnaroundBusinessDays'
  | 'followUpQuestions'
  | 'extraFollowUpPriceMinor'
  | 'videoConsultPriceMinor'
  | 'addOns'
>;

function readOffering(form: ConsoleForm, currentAddOns: AddOnInput[], tenant: ResolvedTenant): OfferingFields | undefined {
  const currency = tenant.currency;
  const locales = tenant.locales;
  const name = form.localized('name', locales, { max: 200 });
  const description = form.localized('description', locales);
  const priceMinor = form.amount('price', currency);
  const turnaroundBusinessDays = form.whole('turnaround_days', 1, 60, 'business days');
  const followUpQuestions = form.whole('follow_up_questions', 0, 10, 'questions');
  const extraFollowUpPriceMinor = form.amount('extra_follow_up_price', currency, { optional: true });
  const videoConsultPriceMinor = form.amount('video_consult_price', currency, { optional: true });
  const addOns: AddOnInput[] = [];
  const codes = new Set<string>();
  for (const i of form.rows('addon')) {
    if (form.checked(`addon_${i}_remove`) || form.blankRow('addon', i)) continue;
    const code = form.field(`addon_${i}_code`, slugSchema, form.text(`addon_${i}_code`).toLowerCase());
    if (code && codes.has(code)) form.fail(`addon_${i}_code`, `Another add-on already has the code ${code}.`);
    if (code) codes.add(code);
    const addOnName = form.localized(`addon_${i}_name`, locales, { max: 200 });
    const price = form.amount(`addon_${i}_price`, currency);
    const before = currentAddOns.find((a) => a.code === code);
    if (code && addOnName && price !== undefined)
      addOns.push({ code, name: addOnName, description: before?.description, priceMinor: price });
  }
  if (!form.ok) return undefined;
  return {
    name: name!,
    description: description!,
    priceMinor: priceMinor!,
    turnaroundBusinessDays: turnaroundBusinessDays!,
    followUpQuestions: followUpQuestions!,
    extraFollowUpPriceMinor,
    videoConsultPriceMinor,
    addOns,
  };
}

function priceRuleValues(rules: PriceRuleInput[], tenant: ResolvedTenant): Record<string, string> {
  const values: Record<string, string> = {};
  for (const region of PRICE_REGIONS) {
    const rule = rules.find((r) => r.region === region);
    values[`${region}_kind`] = !rule ? 'none' : rule.surchargePercent ? 'percent' : 'amount';
    values[`${region}_amount`] = rule && !rule.surchargePercent ? amountText(rule.surchargeMinor, tenant.currency) : '';
    values[`${region}_percent`] = rule?.surchargePercent ? String(rule.surchargePercent) : '';
    Object.assign(values, localizedFields(`${region}_note`, rule?.note, tenant.locales));
  }
  return values;
}

function readPriceRules(form: ConsoleForm, tenant: ResolvedTenant): PriceRuleInput[] | undefined {
  const rules: PriceRuleInput[] = [];
  for (const region of PRICE_REGIONS) {
    const kind = form.text(`${region}_kind`) || 'none';
    if (kind === 'none') continue;
    if (region === 'in_state' && !tenant.settings.homeJurisdiction) {
      form.fail(`${region}_kind`, "An in-state rule needs the hospital's home state (set in the hospital settings).");
      continue;
    }
    const note = form.localized(`${region}_note`, tenant.locales, { optional: true, max: 300 });
    if (kind === 'amount') {
      const amount = form.amount(`${region}_amount`, tenant.currency, { negative: true });
      if (amount !== undefined) rules.push({ region, surchargeMinor: amount, surchargePercent: 0, note });
    } else if (kind === 'percent') {
      const percent = form.whole(`${region}_percent`, -100, 500, 'percent');
      if (percent !== undefined) rules.push({ region, surchargeMinor: 0, surchargePercent: percent, note });
    } else form.fail(`${region}_kind`, 'Choose no rule, an amount or a percentage.');
  }
  return form.ok ? rules : undefined;
}
