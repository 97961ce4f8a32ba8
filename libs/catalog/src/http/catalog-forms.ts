import { field, LanguageName } from '@consilium/core';
import { PRICE_REGIONS, ResolvedTenant } from '@consilium/tenancy';
import { z } from 'zod';
import type { AddOnInput, OfferingInput, PriceRuleInput } from '../catalog.types';

const SLUG = /^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$/;

/** An address name or add-on code as typed: lower-cased, then letters, digits and hyphens. */
const slugField = (message: string) =>
  field
    .text({ max: 60, required: message })
    .transform((v) => v.toLowerCase())
    .pipe(z.string().regex(SLUG, message));

/** Text in each of the hospital's languages from `<name>_<locale>` fields inside a row (`addon_0_name_fr`). */
const rowNames = (locales: readonly string[]) =>
  Object.fromEntries(locales.map((l) => [`name_${l}`, field.text({ optional: true, max: 200 })]));

/** What the offering form edits; the rest (specialty, intake questions, exclusions) stays as the blueprint set it. */
export type OfferingFields = Pick<
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

/**
 * The offering form for the hospital's languages and currency: names and descriptions in each language, prices,
 * turnaround, follow-ups, and the add-on rows (`addon_<n>_code`, `_name_<locale>`, `_price`; a blank row adds
 * nothing, a `_remove`d one is dropped). An add-on keeps the description the blueprint gave it.
 */
export function offeringForm(tenant: ResolvedTenant, currentAddOns: AddOnInput[], options: { specialties?: string[] } = {}) {
  const { currency, locales } = tenant;
  // A new offering also has its address name and specialty (one of `specialties`).
  const identity = options.specialties
    ? {
        slug: slugField('catalog.console.slugInvalid'),
        specialty: field.text({ optional: true }).refine((v) => options.specialties!.includes(v), 'catalog.console.specialtyRequired'),
      }
    : {};
  const addOn = z.object({ code: slugField('catalog.console.codeInvalid'), price: field.money(currency), ...rowNames(locales) });
  return z
    .object({
      ...identity,
      name: field.localized(locales, { max: 200 }),
      description: field.localized(locales),
      price: field.money(currency),
      turnaround_days: field.whole(1, 60, { message: 'catalog.console.turnaroundInvalid' }),
      follow_up_questions: field.whole(0, 10, { message: 'catalog.console.followUpsInvalid' }),
      extra_follow_up_price: field.money(currency, { optional: true }),
      video_consult_price: field.money(currency, { optional: true }),
      addon: field.rows(addOn),
    })
    .superRefine(
      (form, ctx) => {
        const seen = new Set<string>();
        for (const row of form.addon) {
          if (seen.has(row.code))
            ctx.addIssue({
              code: 'custom',
              path: ['addon', String(row.index), 'code'],
              message: 'catalog.console.codeTwice',
              params: { code: row.code },
            });
          seen.add(row.code);
          for (const l of locales) {
            if ((row as Record<string, unknown>)[`name_${l}`]) continue;
            const problem =
              locales.length > 1
                ? { message: 'core.form.textIn', params: { language: new LanguageName(l) } }
                : { message: 'core.form.text' };
            ctx.addIssue({ code: 'custom', path: ['addon', String(row.index), `name_${l}`], ...problem });
          }
        }
      },
      // The add-on rows are checked even when another field is refused, so every problem shows at once.
      { when: (payload) => Array.isArray((payload.value as { addon?: unknown } | undefined)?.addon) },
    )
    .transform((form): OfferingFields & { slug?: string; specialtySlug?: string } => ({
      ...('slug' in form ? { slug: form.slug as string, specialtySlug: form.specialty as string } : {}),
      name: form.name!,
      description: form.description!,
      priceMinor: form.price,
      turnaroundBusinessDays: form.turnaround_days,
      followUpQuestions: form.follow_up_questions,
      extraFollowUpPriceMinor: form.extra_follow_up_price,
      videoConsultPriceMinor: form.video_consult_price,
      addOns: form.addon.map((row) => {
        const names = Object.fromEntries(locales.map((l) => [l, String((row as Record<string, unknown>)[`name_${l}`])]));
        return {
          code: row.code,
          name: locales.length === 1 ? names[locales[0]] : names,
          description: currentAddOns.find((a) => a.code === row.code)?.description,
          priceMinor: row.price,
          // What the add-on is for comes from the blueprint; the console edits its name and price.
          translation: currentAddOns.find((a) => a.code === row.code)?.translation,
        };
      }),
    }));
}

/**
 * The price rules form: per region, no rule, an amount (a negative one is a discount) or a percentage, with an
 * optional note in each language. Only the chosen kind's field is read.
 */
export function priceRulesForm(tenant: ResolvedTenant) {
  const { currency, locales } = tenant;
  const regionFields: Record<string, z.ZodType> = Object.fromEntries(
    PRICE_REGIONS.flatMap((region): [string, z.ZodType][] => [
      [`${region}_kind`, field.text({ optional: true })],
      [`${region}_amount`, field.text({ optional: true, max: 40 })],
      [`${region}_percent`, field.text({ optional: true, max: 40 })],
      [`${region}_note`, field.localized(locales, { optional: true, max: 300 })],
    ]),
  );
  const amount = field.money(currency, { negative: true });
  const percent = field.whole(-100, 500, { message: 'catalog.console.percentInvalid' });
  return z
    .object(regionFields)
    .superRefine((form, ctx) => {
      for (const region of PRICE_REGIONS) {
        const kind = (form[`${region}_kind`] as string) || 'none';
        const path = [`${region}_kind`];
        if (kind === 'none') continue;
        if (region === 'in_state' && !tenant.settings.homeJurisdiction)
          ctx.addIssue({ code: 'custom', path, message: 'catalog.console.needsHomeState' });
        else if (kind !== 'amount' && kind !== 'percent') ctx.addIssue({ code: 'custom', path, message: 'catalog.console.chooseRuleKind' });
        else {
          const name = `${region}_${kind}`;
          const parsed = (kind === 'amount' ? amount : percent).safeParse(form[name]);
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            ctx.addIssue({ code: 'custom', path: [name], message: issue.message, params: (issue as { params?: object }).params });
          }
        }
      }
    })
    .transform((form): PriceRuleInput[] =>
      PRICE_REGIONS.flatMap((region) => {
        const kind = (form[`${region}_kind`] as string) || 'none';
        const note = form[`${region}_note`] as PriceRuleInput['note'];
        if (kind === 'amount') return [{ region, surchargeMinor: amount.parse(form[`${region}_amount`]), surchargePercent: 0, note }];
        if (kind === 'percent') return [{ region, surchargeMinor: 0, surchargePercent: percent.parse(form[`${region}_percent`]), note }];
        return [];
      }),
    );
}
