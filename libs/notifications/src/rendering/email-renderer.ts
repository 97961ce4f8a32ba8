import { Injectable } from '@nestjs/common';
import { AppConfig } from '@consilium/core';
import { assetUrl, contrastingText, localize, ResolvedTenant } from '@consilium/tenancy';
import { checkEmailData, EMAIL_LOCALES, EmailLocale } from '../email-catalog';
import { duration, EMAIL_STRINGS } from './email-strings';
import { EmailTemplates } from './email-templates';

export interface RenderedEmail {
  locale: EmailLocale;
  subject: string;
  html: string;
  text: string;
}

/**
 * One message in a tenant's brand: the message's subject, HTML and text templates, wrapped in the branded layout
 * (logo, colours, fonts, hospital name and address). Templates see only the catalogue's typed fields, the tenant's
 * public profile and the link, so no template (platform or tenant override) can print health information.
 */
@Injectable()
export class EmailRenderer {
  constructor(
    private readonly templates: EmailTemplates,
    private readonly config: AppConfig,
  ) {}

  render(tenant: ResolvedTenant, template: string, locale: string | null | undefined, data: unknown): RenderedEmail {
    const checked = checkEmailData(template, data);
    const lang = this.localeFor(tenant, locale);
    const origin = this.config.originFor(tenant.primaryHost);
    const { colors, fonts } = tenant.branding;
    const strings = EMAIL_STRINGS[lang];
    const role = checked.data.role as string | undefined;
    const minutes = checked.data.expiresInMinutes as number | undefined;
    const model: Record<string, unknown> = {
      ...checked.data,
      lang,
      t: strings,
      link: `${origin}${checked.path}`,
      roleLabel: role ? strings.roles[role] : undefined,
      expiresIn: minutes ? duration(minutes, strings) : undefined,
      tenant: {
        name: tenant.name,
        logoUrl: `${origin}${assetUrl(tenant, tenant.branding.logo)}`,
        logoAlt: tenant.branding.logoAlt ?? tenant.name,
        contact: tenant.profile.contact ?? {},
        legalFooter: localize(tenant.profile.legalFooter, lang, tenant.defaultLocale),
        portalUrl: `${origin}/`,
      },
      brand: {
        primary: colors.primary,
        onPrimary: contrastingText(colors.primary),
        accent: colors.accent,
        text: colors.text,
        background: colors.background,
        fontBody: fonts.body,
        fontHeading: fonts.heading,
      },
    };
    const render = (name: string, extra: Record<string, unknown>, mode: 'html' | 'text') =>
      this.templates.render(tenant.slug, name, { ...model, ...extra }, mode);
    // A subject is one line: whatever a template does, no line break (header injection) survives.
    const subject = render(`${lang}/${template}.subject`, {}, 'text')
      // eslint-disable-next-line no-control-regex -- control characters are what this removes
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const html = render('layouts/branded.html', { subject, body: render(`${lang}/${template}.html`, {}, 'html') }, 'html');
    const text = render('layouts/branded.text', { subject, body: render(`${lang}/${template}.text`, {}, 'text').trim() }, 'text');
    return { locale: lang, subject, html, text: text.replace(/\n{3,}/g, '\n\n').trim() + '\n' };
  }

  /** The asked-for language when the hospital offers it, else the hospital's default. */
  localeFor(tenant: ResolvedTenant, locale: string | null | undefined): EmailLocale {
    const offered = tenant.profile.locales ?? [tenant.defaultLocale];
    const chosen = locale && offered.includes(locale) ? locale : tenant.defaultLocale;
    return (EMAIL_LOCALES as readonly string[]).includes(chosen) ? (chosen as EmailLocale) : 'en';
  }
}
