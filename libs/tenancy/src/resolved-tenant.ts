import type { ContextTenant } from '@consilium/core';
import type { Branding, TenantProfile, TenantSettings } from './branding';
import type { TenantStatus } from './tenant.entity';

/** What a request knows of its tenant: everything a page needs to look like the hospital, and nothing private. */
export interface ResolvedTenant extends ContextTenant {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  casePrefix: string;
  defaultLocale: string;
  timeZone: string;
  currency: string;
  branding: Branding;
  profile: TenantProfile;
  settings: TenantSettings;
  /** The locales the site offers; the first is not necessarily the default. */
  locales: string[];
  /** The canonical host; alias hosts redirect to it. */
  primaryHost: string;
  /** `name -> sha256` of brand assets, for cache-busting URLs. */
  assets: Record<string, string>;
  /** Changes whenever branding does: versions /theme.css. */
  themeVersion: string;
}
