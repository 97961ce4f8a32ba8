import { Injectable } from '@nestjs/common';
import { todayIn, Translator } from '@consilium/core';
import type { CatalogSnapshot } from '@consilium/catalog';
import { assetUrl, listJurisdictions, localize, ResolvedTenant, sortJurisdictions } from '@consilium/tenancy';
import type { PhysicianRecord } from './roster.types';

export interface PhysicianCardView {
  slug: string;
  path: string;
  name: string;
  /** "Amara Okafor, MD, PhD" */
  fullName: string;
  title: string;
  photoUrl?: string;
  photoAlt: string;
  specialties: { name: string; path: string }[];
  acceptingNewCases: boolean;
}

export interface PhysicianProfileView extends PhysicianCardView {
  bio: string[];
  /** Current licenses only, as words: "Illinois, Indiana and Wisconsin". */
  licensedIn?: string;
  licensedCodes: string[];
}

/** Turns roster records into what pages show, in one language. */
@Injectable()
export class RosterPresenter {
  constructor(private readonly translator: Translator) {}

  card(p: PhysicianRecord, catalog: CatalogSnapshot, tenant: ResolvedTenant, locale: string): PhysicianCardView {
    const fullName = p.credentials ? `${p.name}, ${p.credentials}` : p.name;
    return {
      slug: p.slug,
      path: `/physicians/${p.slug}`,
      name: p.name,
      fullName,
      title: localize(p.title, locale, tenant.defaultLocale)!,
      photoUrl: p.photo && tenant.assets[p.photo] ? assetUrl(tenant, p.photo) : undefined,
      photoAlt: this.translator.t('roster.photo_alt', locale, { name: p.name }),
      specialties: p.specialtyIds.flatMap((id) => {
        const s = catalog.specialties.find((x) => x.id === id);
        return s ? [{ name: localize(s.name, locale, tenant.defaultLocale)!, path: `/specialties/${s.slug}` }] : [];
      }),
      acceptingNewCases: p.acceptingNewCases,
    };
  }

  profile(p: PhysicianRecord, catalog: CatalogSnapshot, tenant: ResolvedTenant, locale: string): PhysicianProfileView {
    const today = todayIn(tenant.timeZone);
    const current = sortJurisdictions(
      p.licenses.filter((l) => l.expiresOn >= today).map((l) => l.jurisdiction),
      locale,
    );
    return {
      ...this.card(p, catalog, tenant, locale),
      bio: paragraphs(localize(p.bio, locale, tenant.defaultLocale)!),
      licensedIn: current.length
        ? this.translator.t('roster.licensed_in', locale, { places: listJurisdictions(current, locale) })
        : undefined,
      licensedCodes: current,
    };
  }
}

/** Blank lines separate paragraphs in blueprint text. */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}
