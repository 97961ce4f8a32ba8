import { Injectable } from '@nestjs/common';
import { FormPresenter, NotFound, RefusedForm, RequestContext, TenantDatabase } from '@consilium/core';
import { languageFields, localize, localizedFields, ResolvedTenant } from '@consilium/tenancy';
import { SpecialtiesService } from '../specialties.service';

type Values = Record<string, string | string[]>;

/** The specialties page (the list with move and withdraw buttons, and the form for a new one) and a specialty's form. */
@Injectable()
export class SpecialtyPages implements FormPresenter {
  constructor(
    private readonly specialties: SpecialtiesService,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async list(values: Values = {}, notice?: string): Promise<Record<string, unknown>> {
    const tenant = this.tenant();
    const locale = this.context.locale();
    const rows = await this.specialties.overview();
    const active = rows.filter((r) => r.active);
    return {
      specialties: rows.map((r) => ({
        slug: r.slug,
        name: localize(r.name, locale, tenant.defaultLocale),
        active: r.active,
        first: r.active && active[0]?.slug === r.slug,
        last: r.active && active[active.length - 1]?.slug === r.slug,
        errorKey: `specialty_${r.slug}`,
      })),
      ...this.fields(),
      notice,
      values,
    };
  }

  async edit(slug: string, values?: Values): Promise<Record<string, unknown>> {
    const tenant = this.tenant();
    const row = (await this.specialties.overview()).find((r) => r.slug === slug && r.active);
    if (!row) throw new NotFound();
    return {
      title: localize(row.name, this.context.locale(), tenant.defaultLocale),
      slug,
      ...this.fields(),
      values: values ?? {
        ...localizedFields('name', row.name, tenant.locales),
        ...localizedFields('summary', row.summary, tenant.locales),
        ...localizedFields('description', row.description ?? undefined, tenant.locales),
      },
    };
  }

  /** A refused edit shows its form again; a refused new specialty or withdrawal, the list. */
  refused({ params, action, values }: RefusedForm): Promise<Record<string, unknown>> {
    if (params.slug && !/\/(withdraw|restore|up|down)$/.test(action)) return this.edit(params.slug, values);
    return this.list(params.slug ? {} : values);
  }

  private fields() {
    const locales = this.tenant().locales;
    return {
      nameFields: languageFields('name', locales),
      summaryFields: languageFields('summary', locales),
      descriptionFields: languageFields('description', locales),
    };
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}
