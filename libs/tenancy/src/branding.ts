import type { LicensurePolicy } from './licensure/licensure-policy';

/** Text in one language, or per locale (`{ en: ..., fr: ... }`): the blueprint's shape, stored as is. */
export type Localized = string | Record<string, string>;

export interface Branding {
  colors: { primary: string; accent: string; text: string; background: string };
  fonts: { heading: string; body: string };
  /** Asset names in tenant_assets. */
  logo: string;
  favicon?: string;
  /** Alt text for the logo; defaults to the hospital's name. */
  logoAlt?: string;
}

/** What the site shows about the hospital itself. Landing copy and pages live in the marketing lib's tables. */
export interface TenantProfile {
  contact?: { phone?: string; email?: string; address?: string };
  legalFooter?: Localized;
  locales?: string[];
}

/** How the hospital runs its program: read by pricing, the how-it-works page, and (later) intake and routing. */
export interface TenantSettings {
  /** `US-IL`: in-state prices apply to patients there. */
  homeJurisdiction?: string;
  licensure: LicensurePolicy;
  /** A demonstration hospital (blueprint `demo: true`): only these get the embedded default's demo accounts. */
  demo?: true;
  /** Refunds by rule when late (`afterDays` calendar days past the promise: `percent` of what was paid), by offering slug. */
  refunds?: { late: LateRefundRule[]; offerings?: Record<string, { late: LateRefundRule[] }> };
  /** Days the program is closed (`YYYY-MM-DD` in its time zone, sorted): business-day promises skip them. */
  holidays?: string[];
  /** Texts to patients who opted in (blueprint `sms: { enabled: true }` or the console); off when absent. */
  sms?: { enabled: boolean; originationIdentity?: string };
}

export interface LateRefundRule {
  afterDays: number;
  percent: number;
}

/** The late-refund rules for an offering: its own when it has them, else the hospital's. */
export function lateRefundRules(settings: TenantSettings, offeringSlug: string | null | undefined): LateRefundRule[] {
  const own = offeringSlug ? settings.refunds?.offerings?.[offeringSlug]?.late : undefined;
  return [...(own ?? settings.refunds?.late ?? [])].sort((a, b) => a.afterDays - b.afterDays);
}

/**
 * Picks the text for `locale` (`fr-CA`, then `fr`), falling back to the tenant's default locale, then English,
 * then any value.
 */
export function localize(text: Localized | undefined, locale: string, fallback = 'en'): string | undefined {
  if (text === undefined || typeof text === 'string') return text;
  const language = locale.split('-')[0];
  const byLocale = text as Partial<Record<string, string>>;
  return (
    byLocale[locale] ?? byLocale[language] ?? byLocale[fallback] ?? byLocale.en ?? Object.values(byLocale).find((v) => v !== undefined)
  );
}

/** `#fff` or `#1a1a1a`, whichever reads better on `hex` (WCAG relative luminance). */
export function contrastingText(hex: string): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  const contrastWhite = 1.05 / (luminance + 0.05);
  const contrastDark = (luminance + 0.05) / (0.0103 + 0.05);
  return contrastWhite >= contrastDark ? '#ffffff' : '#1a1a1a';
}

/** The tenant's theme as CSS custom properties. Values were validated by the blueprint schema (no CSS syntax). */
export function themeCss(branding: Branding): string {
  const { colors, fonts } = branding;
  return `:root {
  --brand-primary: ${colors.primary};
  --brand-on-primary: ${contrastingText(colors.primary)};
  --brand-accent: ${colors.accent};
  --brand-on-accent: ${contrastingText(colors.accent)};
  --brand-text: ${colors.text};
  --brand-background: ${colors.background};
  --font-heading: ${fonts.heading};
  --font-body: ${fonts.body};
}
`;
}
