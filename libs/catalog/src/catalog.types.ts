import type { Localized, PriceRegion } from '@consilium/tenancy';

export interface SpecialtyFaq {
  question: Localized;
  answer: Localized;
}

export interface IntakeQuestion {
  key: string;
  label: Localized;
  help?: Localized;
  type: 'text' | 'long_text' | 'yes_no' | 'choice' | 'date' | 'number';
  required: boolean;
  options?: { value: string; label: Localized }[];
}

/** Who an offering is not for, whatever the licensure policy says. */
export interface OfferingExclusions {
  /** Jurisdictions (US-XX or a country) where it is not offered. */
  jurisdictions: string[];
  /** Patients currently admitted to a hospital (their care team should ask for a consult instead). */
  inpatients: boolean;
  other: Localized[];
}

/** What the blueprint and the admin console write for a specialty. */
export interface SpecialtyInput {
  slug: string;
  position: number;
  name: Localized;
  summary: Localized;
  description?: Localized;
  reviewed: Localized[];
  faqs: SpecialtyFaq[];
}

export interface AddOnInput {
  code: string;
  name: Localized;
  description?: Localized;
  priceMinor: number;
  /** The opinion translated into the patient's language (reviewed by a translator): offered when their language differs. */
  translation?: boolean;
}

/** What the blueprint and the admin console write for an offering. Prices are minor units of the tenant currency. */
export interface OfferingInput {
  slug: string;
  specialtySlug: string;
  position: number;
  name: Localized;
  description: Localized;
  priceMinor: number;
  currency: string;
  turnaroundBusinessDays: number;
  followUpQuestions: number;
  /** After delivery, one more follow-up question for this price; undefined: not sold. */
  extraFollowUpPriceMinor?: number;
  /** After delivery, a video consult with the specialist for this price; undefined: not sold. */
  videoConsultPriceMinor?: number;
  addOns: AddOnInput[];
  intakeQuestions: IntakeQuestion[];
  exclusions: OfferingExclusions;
}

export interface PriceRuleInput {
  region: PriceRegion;
  surchargeMinor: number;
  surchargePercent: number;
  note?: Localized;
}

/** The active catalog of one tenant, in display order: what the site and the intake read. */
export interface CatalogSnapshot {
  specialties: (SpecialtyInput & { id: string })[];
  offerings: (Omit<OfferingInput, 'addOns'> & { id: string; specialtyId: string; addOns: (AddOnInput & { id: string })[] })[];
  priceRules: PriceRuleInput[];
}

export type SpecialtyRecord = CatalogSnapshot['specialties'][number];
export type OfferingRecord = CatalogSnapshot['offerings'][number];
