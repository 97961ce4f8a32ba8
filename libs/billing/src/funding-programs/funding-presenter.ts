import { Injectable } from '@nestjs/common';
import { formatMoney, Translator } from '@consilium/core';
import type { CatalogSnapshot } from '@consilium/catalog';
import { localize } from '@consilium/tenancy';
import type { FundingProgramRecord } from './funding.types';

export interface FundingProgramView {
  slug: string;
  name: string;
  description: string;
  coverage: string;
  sponsor?: string;
  access: string;
  eligibility?: string;
  specialty?: string;
}

@Injectable()
export class FundingPresenter {
  constructor(private readonly translator: Translator) {}

  view(f: FundingProgramRecord, catalog: CatalogSnapshot, locale: string, fallback: string): FundingProgramView {
    const t = (key: string, params?: Record<string, unknown>) => this.translator.t(`funding.${key}`, locale, params);
    const specialty = f.specialtyId ? catalog.specialties.find((s) => s.id === f.specialtyId) : undefined;
    return {
      slug: f.slug,
      name: localize(f.name, locale, fallback)!,
      description: localize(f.description, locale, fallback)!,
      coverage:
        f.coversPercent !== undefined
          ? t('covers.percent', { percent: f.coversPercent })
          : t('covers.amount', { amount: formatMoney(f.coversMinor!, f.currency, locale) }),
      sponsor: f.sponsor && t('sponsor', { sponsor: f.sponsor }),
      access: t(`access.${f.access}`),
      eligibility: localize(f.eligibility, locale, fallback),
      specialty: specialty && t('for_specialty', { specialty: localize(specialty.name, locale, fallback) }),
    };
  }
}
