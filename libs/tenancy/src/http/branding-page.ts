import { Injectable } from '@nestjs/common';
import { field, FormPresenter, RefusedForm, RequestContext } from '@consilium/core';
import { z } from 'zod';
import type { Branding, TenantProfile, TenantSettings } from '../branding';
import { languageFields, localizedFields } from '../console/localized-fields';
import { ResolvedTenant } from '../resolved-tenant';

type Values = Record<string, string | string[]>;

// The blueprint's rules: a colour is #rrggbb, a font stack has nothing that could end the CSS declaration.
const colour = () =>
  field
    .text({ required: 'site.console.branding.colourInvalid' })
    .pipe(z.string().regex(/^#[0-9a-fA-F]{6}$/, 'site.console.branding.colourInvalid'));
const fontStack = () =>
  field
    .text({ max: 200, required: 'site.console.branding.fontRequired' })
    .pipe(z.string().regex(/^[A-Za-z0-9 ,'"-]+$/, 'site.console.branding.fontInvalid'));

/** Days the program is closed, typed as `YYYY-MM-DD` separated by spaces, commas or lines; each must be a real date. */
const holidays = () =>
  field.text({ optional: true, max: 8000 }).transform((typed, ctx) => {
    const days = [...new Set(typed.split(/[\s,;]+/).filter(Boolean))];
    const wrong = days.find((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d) || !new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));
    if (wrong) ctx.addIssue({ code: 'custom', message: 'site.console.branding.holidayInvalid', params: { value: wrong.slice(0, 40) } });
    return days.sort();
  });

/** One late-refund rule: from `days` late, `percent` of what was paid (a blank row adds one, clearing both removes it). */
const lateRefund = z.object({
  days: field.whole(0, 365, { message: 'site.console.branding.refundDaysInvalid' }),
  percent: field.whole(1, 100, { message: 'site.console.branding.refundPercentInvalid' }),
});

/**
 * The brand form: colours, fonts, the logo's description, contact details, the legal footer in each language, and the
 * days the program is closed (promised dates count business days around them), and whether patients may opt in to
 * texts.
 */
export function brandingForm(tenant: ResolvedTenant) {
  return z
    .object({
      color_primary: colour(),
      color_accent: colour(),
      color_text: colour(),
      color_background: colour(),
      font_heading: fontStack(),
      font_body: fontStack(),
      logo_alt: field.text({ optional: true, max: 200 }),
      contact_phone: field.text({ optional: true, max: 40 }),
      contact_email: field.text({ optional: true, max: 254 }).pipe(z.union([z.literal(''), z.email('site.console.branding.emailInvalid')])),
      contact_address: field.text({ optional: true, max: 300 }),
      legal_footer: field.localized(tenant.locales, { optional: true, max: 1000 }),
      holidays: holidays(),
      late_refund: field.rows(lateRefund),
      sms_enabled: field.checkbox(),
      sms_origination: field
        .text({ optional: true, max: 256 })
        .pipe(z.union([z.literal(''), z.string().regex(/^[A-Za-z0-9:/+_-]{1,256}$/, 'site.console.branding.smsOriginationInvalid')])),
    })
    .transform((form): { branding: Branding; profile: TenantProfile; settings: TenantSettings } => {
      const branding: Branding = {
        ...tenant.branding,
        colors: { primary: form.color_primary, accent: form.color_accent, text: form.color_text, background: form.color_background },
        fonts: { heading: form.font_heading, body: form.font_body },
      };
      if (form.logo_alt) branding.logoAlt = form.logo_alt;
      else delete branding.logoAlt;
      const contact = {
        ...(form.contact_phone ? { phone: form.contact_phone } : {}),
        ...(form.contact_email ? { email: form.contact_email } : {}),
        ...(form.contact_address ? { address: form.contact_address } : {}),
      };
      const profile: TenantProfile = { ...tenant.profile, contact };
      if (form.legal_footer) profile.legalFooter = form.legal_footer;
      else delete profile.legalFooter;
      const settings: TenantSettings = { ...tenant.settings, holidays: form.holidays };
      if (!form.holidays.length) delete settings.holidays;
      // The hospital's late-refund rules; an offering's own rules (from its blueprint) are kept as they are.
      const late = form.late_refund.map((r) => ({ afterDays: r.days, percent: r.percent })).sort((x, y) => x.afterDays - y.afterDays);
      const offerings = tenant.settings.refunds?.offerings;
      if (late.length || offerings) settings.refunds = { late, ...(offerings ? { offerings } : {}) };
      else delete settings.refunds;
      // Texts to patients who opt in; the number they leave from (which STOP replies reach) is kept when turned off.
      if (form.sms_enabled || form.sms_origination)
        settings.sms = { enabled: form.sms_enabled, ...(form.sms_origination ? { originationIdentity: form.sms_origination } : {}) };
      else delete settings.sms;
      return { branding, profile, settings };
    });
}

/**
 * The brand editor's view model: the form with the brand as saved, a refused save as typed, and a refused logo or
 * favicon beside its field with the brand as saved.
 */
@Injectable()
export class BrandingPage implements FormPresenter {
  constructor(private readonly context: RequestContext) {}

  show(): Record<string, unknown> {
    return this.model(currentValues(this.tenant()), {});
  }

  refused({ action, values, errors }: RefusedForm): Record<string, unknown> {
    const upload = action.endsWith('/logo') || action.endsWith('/favicon');
    return this.model(upload ? currentValues(this.tenant()) : values, errors);
  }

  private model(values: Values, errors: Record<string, string>): Record<string, unknown> {
    // The rows typed (or saved), and one blank row to add a rule.
    const used = [...new Set(Object.keys(values).flatMap((k) => /^late_refund_(\d+)_/.exec(k)?.[1] ?? []))]
      .map(Number)
      .sort((a, b) => a - b);
    const refundRows = [...used, used.length ? Math.max(...used) + 1 : 0].map((i, n) => ({
      number: n + 1,
      days: `late_refund_${i}_days`,
      percent: `late_refund_${i}_percent`,
    }));
    return { footerFields: languageFields('legal_footer', this.tenant().locales), refundRows, values, errors };
  }

  private tenant(): ResolvedTenant {
    return this.context.tenant<ResolvedTenant>();
  }
}

function currentValues(tenant: ResolvedTenant): Values {
  const { colors, fonts, logoAlt } = tenant.branding;
  const contact = tenant.profile.contact ?? {};
  return {
    color_primary: colors.primary,
    color_accent: colors.accent,
    color_text: colors.text,
    color_background: colors.background,
    font_heading: fonts.heading,
    font_body: fonts.body,
    logo_alt: logoAlt ?? '',
    contact_phone: contact.phone ?? '',
    contact_email: contact.email ?? '',
    contact_address: contact.address ?? '',
    holidays: (tenant.settings.holidays ?? []).join(' '),
    sms_enabled: tenant.settings.sms?.enabled ? 'yes' : '',
    sms_origination: tenant.settings.sms?.originationIdentity ?? '',
    ...Object.fromEntries(
      (tenant.settings.refunds?.late ?? []).flatMap((r, i) => [
        [`late_refund_${i}_days`, String(r.afterDays)],
        [`late_refund_${i}_percent`, String(r.percent)],
      ]),
    ),
    ...localizedFields('legal_footer', tenant.profile.legalFooter, tenant.locales),
  };
}
