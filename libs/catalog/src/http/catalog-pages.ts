import { Injectable } from '@nestjs/common';
import { amountText, FormPresenter, NotFound, RefusedForm, RequestContext, TenantDatabase } from '@consilium/core';
import { languageFields, localize, localizedFields, PRICE_REGIONS, ResolvedTenant } from '@consilium/tenancy';
import type { OfferingInput, PriceRuleInput } from '../catalog.types';
import { OfferingsService } from '../offerings.service';
import { PriceRulesService } from '../price-rules.service';
import { SpecialtiesService } from '../specialties.service';

type Values = Record<string, string | string[]>;

/**
 * The catalog editor's view models: the overview with the price rules form, and an offering's form (from the
 * offering, or as typed when refused) with one blank add-on row more than shown, so an add-on is added without
 * JavaScript.
 */
@Injectable()
export class CatalogPages implements FormPresenter {
  constructor(
    private readonly offerings: OfferingsService,
    private readonly priceRules: PriceRulesService,
    private readonly specialties: SpecialtiesService,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async overview(ruleValues?: Values): Promise<Record<string, unknown>> {
    const tenant = this.tenant();
    const locale = this.context.locale();
    const [offerings, rules] = await Promise.all([
      this.offerings.overview(),
      this.db.transaction((tx) => this.priceRules.list(tx, tenant.id)),
    ]);
    return {
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
      ruleValues: ruleValues ?? priceRuleValues(rules, tenant),
    };
  }

  async blank(values: Values = { turnaround_days: '5', follow_up_questions: '1' }): Promise<Record<string, unknown>> {
    const specialties = (await this.specialtyOptions()).map((s) => ({ ...s, selected: s.slug === values.specialty }));
    return this.form(undefined, values, specialties);
  }

  async edit(slug: string): Promise<Record<string, unknown>> {
    const current = await this.current(slug);
    return this.form(current, offeringValues(current, this.tenant().locales));
  }

  async refused({ params, action, values }: RefusedForm): Promise<Record<string, unknown>> {
    if (action.endsWith('/price-rules')) return this.overview(values);
    if (!params.slug) return this.blank(values);
    return this.form(await this.current(params.slug), values);
  }

  /** The specialties an offering may belong to, named in the reader's language. */
  async specialtyOptions(): Promise<{ slug: string; name: string }[]> {
    const tenant = this.tenant();
    const locale = this.context.locale();
    const list = await this.db.transaction((tx) => this.specialties.list(tx, tenant.id));
    return list.map((s) => ({ slug: s.slug, name: localize(s.name, locale, tenant.defaultLocale) ?? s.slug }));
  }

  async current(slug: string): Promise<OfferingInput> {
    const tenantId = this.tenant().id;
    const found = (await this.db.transaction((tx) => this.offerings.list(tx, tenantId))).find((o) => o.slug === slug);
    if (!found) throw new NotFound();
    return found;
  }

  private form(
    current: OfferingInput | undefined,
    values: Values,
    specialties?: { slug: string; name: string; selected: boolean }[],
  ): Record<string, unknown> {
    const tenant = this.tenant();
    const locales = tenant.locales;
    const text = (name: string) => String(([] as string[]).concat(values[name] ?? '')[0] ?? '');
    const rows = [
      ...new Set(
        Object.keys(values)
          .map((k) => /^addon_(\d{1,3})_/.exec(k)?.[1])
          .filter((n): n is string => n !== undefined)
          .map(Number),
      ),
    ].sort((a, b) => a - b);
    // Always one blank row more than shown: that is how an add-on is added without JavaScript.
    const next = rows.length ? Math.max(...rows) + 1 : 0;
    const addOns = [...rows, next].map((i) => ({
      index: i,
      code: `addon_${i}_code`,
      price: `addon_${i}_price`,
      remove: `addon_${i}_remove`,
      removeChecked: !!text(`addon_${i}_remove`),
      existing: !!text(`addon_${i}_code`) && !!current?.addOns.some((a) => a.code === text(`addon_${i}_code`)),
      names: languageFields(`addon_${i}_name`, locales),
    }));
    return {
      title: current ? localize(current.name, this.context.locale(), tenant.defaultLocale) : undefined,
      slug: current?.slug,
      isNew: !current,
      specialties,
      currency: tenant.currency,
      nameFields: languageFields('name', locales),
      descriptionFields: languageFields('description', locales),
      addOns,
      values,
    };
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
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
