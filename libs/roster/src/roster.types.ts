import type { Localized } from '@consilium/tenancy';

export interface LicenseInput {
  /** `US-IL` or a country code. */
  jurisdiction: string;
  number: string;
  /** `YYYY-MM-DD`; the license counts through that day in the hospital's time zone. */
  expiresOn: string;
}

/** What the blueprint and the admin console write for a physician. Money in minor units. */
export interface PhysicianInput {
  slug: string;
  position: number;
  name: string;
  credentials: string;
  title: Localized;
  bio: Localized;
  /** Asset name in tenant_assets (the blueprint's assets/<name>). */
  photo?: string;
  specialtySlugs: string[];
  licenses: LicenseInput[];
  acceptingNewCases: boolean;
  weeklyCapacity: number;
  stipendMinor: number;
  stipendCurrency: string;
  featured: boolean;
}

export type PhysicianRecord = PhysicianInput & { id: string; specialtyIds: string[] };

/** The active roster of one tenant, in display order. */
export interface RosterSnapshot {
  physicians: PhysicianRecord[];
}
