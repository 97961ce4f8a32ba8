import { Injectable } from '@nestjs/common';
import { formatMoney, Translator } from '@consilium/core';
import { jurisdictionName, listJurisdictions, localize, PriceRegion } from '@consilium/tenancy';
import type { CatalogSnapshot, OfferingRecord, SpecialtyRecord } from './catalog.types';
import { regionalPrice } from './price-calculator';

/** Who can buy outside the home state, from the tenant's licensure policy and its physicians' licenses. */
export interface RegionAvailability {
  homeJurisdiction?: string;
  /** 'all': every state; 'licensed_only': only states where a physician is licensed (policy: decline). */
  outOfState: 'all' | 'licensed_only';
  international: boolean;
}

export interface SpecialtyCardView {
  slug: string;
  path: string;
  name: string;
  summary: string;
  fromPrice?: string;
  turnaroundDays?: number;
}

export interface RegionalPriceView {
  region: PriceRegion;
  label: string;
  price?: string;
  note?: string;
}

export interface OfferingView {
  slug: string;
  specialtySlug: string;
  name: string;
  description: string;
  price: string;
  priceMinor: number;
  currency: string;
  turnaroundDays: number;
  followUpQuestions: number;
  extraFollowUp?: string;
  videoConsult?: string;
  addOns: { code: string; name: string; description?: string; price: string; priceMinor: number }[];
  exclusions: string[];
  regionalPrices: RegionalPriceView[];
}

/** Turns the catalog into what pages show, in one language: text picked, money formatted, exclusions in words. */
@Injectable()
export class CatalogPresenter {
  constructor(private readonly translator: Translator) {}

  specialtyCards(catalog: CatalogSnapshot, locale: string, fallback: string): SpecialtyCardView[] {
    return catalog.specialties.map((s) => this.specialtyCard(s, catalog, locale, fallback));
  }

  specialtyCard(s: SpecialtyRecord, catalog: CatalogSnapshot, locale: string, fallback: string): SpecialtyCardView {
    const offerings = catalog.offerings.filter((o) => o.specialtyId === s.id);
    const cheapest = offerings.reduce<OfferingRecord | undefined>((min, o) => (!min || o.priceMinor < min.priceMinor ? o : min), undefined);
    return {
      slug: s.slug,
      path: `/specialties/${s.slug}`,
      name: localize(s.name, locale, fallback)!,
      summary: localize(s.summary, locale, fallback)!,
      fromPrice: cheapest && formatMoney(cheapest.priceMinor, cheapest.currency, locale),
      turnaroundDays: offerings.length ? Math.min(...offerings.map((o) => o.turnaroundBusinessDays)) : undefined,
    };
  }

  offering(o: OfferingRecord, catalog: CatalogSnapshot, availability: RegionAvailability, locale: string, fallback: string): OfferingView {
    const t = (key: string, params?: Record<string, unknown>) => this.translator.t(`catalog.${key}`, locale, params);
    const text = (v: Parameters<typeof localize>[0]) => localize(v, locale, fallback);
    const exclusions: string[] = [];
    if (o.exclusions.jurisdictions.length)
      exclusions.push(t('exclusions.places', { places: listJurisdictions(o.exclusions.jurisdictions, locale) }));
    if (o.exclusions.inpatients) exclusions.push(t('exclusions.inpatients'));
    exclusions.push(...o.exclusions.other.map((x) => text(x)!));
    return {
      slug: o.slug,
      specialtySlug: o.specialtySlug,
      name: text(o.name)!,
      description: text(o.description)!,
      price: formatMoney(o.priceMinor, o.currency, locale),
      priceMinor: o.priceMinor,
      currency: o.currency,
      turnaroundDays: o.turnaroundBusinessDays,
      followUpQuestions: o.followUpQuestions,
      extraFollowUp: o.extraFollowUpPriceMinor !== undefined ? formatMoney(o.extraFollowUpPriceMinor, o.currency, locale) : undefined,
      videoConsult: o.videoConsultPriceMinor !== undefined ? formatMoney(o.videoConsultPriceMinor, o.currency, locale) : undefined,
      addOns: o.addOns.map((a) => ({
        code: a.code,
        name: text(a.name)!,
        description: text(a.description),
        price: formatMoney(a.priceMinor, o.currency, locale),
        priceMinor: a.priceMinor,
      })),
      exclusions,
      regionalPrices: this.regionalPrices(o, catalog, availability, locale),
    };
  }

  private regionalPrices(
    o: OfferingRecord,
    catalog: CatalogSnapshot,
    availability: RegionAvailability,
    locale: string,
  ): RegionalPriceView[] {
    const t = (key: string, params?: Record<string, unknown>) => this.translator.t(`catalog.${key}`, locale, params);
    const price = (region: PriceRegion) =>
      formatMoney(
        regionalPrice(
          o.priceMinor,
          catalog.priceRules.find((r) => r.region === region),
        ),
        o.currency,
        locale,
      );
    const rows: RegionalPriceView[] = [];
    if (availability.homeJurisdiction) {
      rows.push({
        region: 'in_state',
        label: t('region.in_state', { state: jurisdictionName(availability.homeJurisdiction, locale) }),
        price: price('in_state'),
      });
    }
    rows.push({
      region: 'out_of_state',
      label: t('region.out_of_state'),
      price: price('out_of_state'),
      note: availability.outOfState === 'licensed_only' ? t('region.licensed_only') : undefined,
    });
    rows.push({
      region: 'international',
      label: t('region.international'),
      price: availability.international ? price('international') : undefined,
      note: availability.international ? undefined : t('region.unavailable'),
    });
    return rows;
  }
}
