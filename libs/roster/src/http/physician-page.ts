import { Injectable } from '@nestjs/common';
import { SpecialtiesService } from '@consilium/catalog';
import { amountText, field, FormPresenter, msg, NotFound, RefusedForm, RequestContext, TenantDatabase } from '@consilium/core';
import { assetUrl, isJurisdiction, jurisdictionName, localize, localizedFields, ResolvedTenant } from '@consilium/tenancy';
import { z } from 'zod';
import { PhysiciansService } from '../physicians.service';
import type { PhysicianInput, PhysicianRecord } from '../roster.types';

type Values = Record<string, string | string[]>;

const license = z.object({
  jurisdiction: field
    .text({ max: 10, required: 'roster.console.jurisdictionInvalid' })
    .transform((v) => v.toUpperCase())
    .refine(isJurisdiction, 'roster.console.jurisdictionInvalid'),
  number: field.text({ max: 60, required: 'roster.console.numberRequired' }),
  expires: field.date(),
});

const SLUG = /^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$/;

/** The physician form of the roster editor, for the hospital's languages and currency; a new one has a slug too. */
export function physicianForm(tenant: ResolvedTenant, options: { isNew?: boolean } = {}) {
  return z
    .object({
      slug: options.isNew
        ? field
            .text({ max: 60 })
            .transform((v) => v.toLowerCase())
            .pipe(z.string().regex(SLUG, 'roster.console.slugInvalid'))
        : z
            .string()
            .optional()
            .transform(() => undefined),
      name: field.text({ required: 'roster.console.nameRequired' }),
      credentials: field.text({ optional: true, max: 100 }),
      title: field.localized(tenant.locales, { max: 200 }),
      bio: field.localized(tenant.locales, { max: 5000 }),
      weekly_capacity: field.whole(0, 100, { message: 'roster.console.capacityInvalid' }),
      stipend: field.money(tenant.currency),
      accepting_new_cases: field.checkbox(),
      featured: field.checkbox(),
      specialties: field.list().pipe(z.array(z.string()).min(1, 'core.form.chooseAtLeastOne')),
      license: field.rows(license),
    })
    .superRefine((form, ctx) => {
      const seen = new Set<string>();
      for (const l of form.license) {
        if (seen.has(l.jurisdiction))
          ctx.addIssue({
            code: 'custom',
            path: ['license', String(l.index), 'jurisdiction'],
            message: 'roster.console.licenseTwice',
            params: { jurisdiction: l.jurisdiction },
          });
        seen.add(l.jurisdiction);
      }
    })
    .transform((form): Omit<PhysicianInput, 'position' | 'slug'> & { slug?: string } => ({
      ...(form.slug ? { slug: form.slug } : {}),
      name: form.name,
      credentials: form.credentials,
      title: form.title!,
      bio: form.bio!,
      weeklyCapacity: form.weekly_capacity,
      stipendMinor: form.stipend,
      stipendCurrency: tenant.currency,
      acceptingNewCases: form.accepting_new_cases,
      featured: form.featured,
      specialtySlugs: form.specialties,
      licenses: form.license.map((l) => ({ jurisdiction: l.jurisdiction, number: l.number, expiresOn: l.expires })),
    }));
}

/**
 * The roster editor's view models: the list, a physician's form (from the record, or as typed when refused) with
 * its license rows, specialties and photo.
 */
@Injectable()
export class PhysicianPage implements FormPresenter {
  constructor(
    private readonly physicians: PhysiciansService,
    private readonly specialties: SpecialtiesService,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async list(): Promise<Record<string, unknown>> {
    const { physicians } = await this.load();
    const tenant = this.tenant();
    return {
      physicians: physicians.map((p) => ({ ...p, title: localize(p.title, this.context.locale(), tenant.defaultLocale) })),
    };
  }

  async blank(): Promise<Record<string, unknown>> {
    const { specialties } = await this.load();
    return this.form(undefined, specialties, { accepting_new_cases: '1', weekly_capacity: '3' });
  }

  async edit(slug: string): Promise<Record<string, unknown>> {
    const { physician, specialties } = await this.one(slug);
    return this.form(physician, specialties, valuesOf(physician, this.tenant().locales));
  }

  /** A refused save shows what was typed; a refused photo shows the physician as saved. */
  async refused({ params, values, action }: RefusedForm): Promise<Record<string, unknown>> {
    if (!params.slug) return this.form(undefined, (await this.load()).specialties, values);
    const { physician, specialties } = await this.one(params.slug);
    return action.endsWith('/photo')
      ? this.form(physician, specialties, valuesOf(physician, this.tenant().locales))
      : this.form(physician, specialties, values);
  }

  private form(
    physician: PhysicianRecord | undefined,
    specialties: { slug: string; name: string }[],
    values: Values,
  ): Record<string, unknown> {
    const tenant = this.tenant();
    const chosen = ([] as string[]).concat(values.specialties ?? physician?.specialtySlugs ?? []);
    const rows = Object.keys(values)
      .map((k) => /^license_(\d{1,3})_/.exec(k)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    const next = rows.length ? Math.max(...rows) + 1 : 0;
    const text = (name: string) => String(([] as string[]).concat(values[name] ?? '')[0] ?? '');
    return {
      title: physician?.name ?? msg('roster.console.newPhysician'),
      slug: physician?.slug,
      photoUrl: physician?.photo && tenant.assets[physician.photo] ? assetUrl(tenant, physician.photo) : undefined,
      isNew: !physician,
      currency: tenant.currency,
      titleFields: tenant.locales.map((locale) => ({ locale, name: `title_${locale}` })),
      bioFields: tenant.locales.map((locale) => ({ locale, name: `bio_${locale}` })),
      specialties: specialties.map((s) => ({ ...s, checked: chosen.includes(s.slug) })),
      licenses: [...new Set([...rows, next])]
        .sort((a, b) => a - b)
        .map((i) => {
          const jurisdiction = text(`license_${i}_jurisdiction`);
          return {
            index: i,
            existing: !!jurisdiction && !!physician?.licenses.some((l) => l.jurisdiction === jurisdiction),
            place: jurisdiction && isJurisdiction(jurisdiction) ? jurisdictionName(jurisdiction, this.context.locale()) : jurisdiction,
            jurisdiction: `license_${i}_jurisdiction`,
            number: `license_${i}_number`,
            expires: `license_${i}_expires`,
            remove: `license_${i}_remove`,
            removeChecked: !!text(`license_${i}_remove`),
          };
        }),
      accepting: !!text('accepting_new_cases'),
      featured: !!text('featured'),
      values,
    };
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }

  private async load(): Promise<{ physicians: PhysicianRecord[]; specialties: { slug: string; name: string }[] }> {
    const tenant = this.tenant();
    const locale = this.context.locale();
    return this.db.transaction(async (tx) => ({
      physicians: await this.physicians.list(tx, tenant.id),
      specialties: (await this.specialties.list(tx, tenant.id)).map((s) => ({
        slug: s.slug,
        name: localize(s.name, locale, tenant.defaultLocale) ?? s.slug,
      })),
    }));
  }

  async one(slug: string): Promise<{ physician: PhysicianRecord; specialties: { slug: string; name: string }[] }> {
    const { physicians, specialties } = await this.load();
    const physician = physicians.find((p) => p.slug === slug);
    if (!physician) throw new NotFound();
    return { physician, specialties };
  }
}

function valuesOf(p: PhysicianRecord, locales: string[]): Values {
  const values: Values = {
    name: p.name,
    credentials: p.credentials,
    ...localizedFields('title', p.title, locales),
    ...localizedFields('bio', p.bio, locales),
    weekly_capacity: String(p.weeklyCapacity),
    stipend: amountText(p.stipendMinor, p.stipendCurrency),
  };
  if (p.acceptingNewCases) values.accepting_new_cases = '1';
  if (p.featured) values.featured = '1';
  p.licenses.forEach((l, i) => {
    values[`license_${i}_jurisdiction`] = l.jurisdiction;
    values[`license_${i}_number`] = l.number;
    values[`license_${i}_expires`] = l.expiresOn;
  });
  return values;
}
