import { Injectable } from '@nestjs/common';
import { AppConfig, formatMoney, isPlatformLocale, Translator } from '@consilium/core';
import { assetUrl, contrastingText, localize, ResolvedTenant } from '@consilium/tenancy';
import { checkEmailData } from '../email-catalog';
import { CalendarEvent } from './calendar-invite';
import { EmailTemplates } from './email-templates';

export interface RenderedEmail {
  /** The language it was written in: a platform language, perhaps with the hospital's region (`fr-CA`). */
  locale: string;
  subject: string;
  html: string;
  text: string;
  /** A consult's calendar event; the sender adds who organizes and who attends. */
  invite?: Omit<CalendarEvent, 'organizer' | 'attendee'>;
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
    private readonly translator: Translator,
  ) {}

  render(tenant: ResolvedTenant, template: string, locale: string | null | undefined, data: unknown): RenderedEmail {
    const checked = checkEmailData(template, data);
    const lang = this.localeFor(tenant, locale);
    const origin = this.config.originFor(tenant.primaryHost);
    const { colors, fonts } = tenant.branding;
    const minutes = checked.data.expiresInMinutes as number | undefined;
    const model = {
      ...checked.data,
      lang,
      // Dates in a message are the hospital's calendar dates.
      timeZone: tenant.timeZone,
      link: `${origin}${checked.path}`,
      expiresIn: minutes ? this.duration(minutes, lang) : undefined,
      // An amount is minor units and a code: formatted in the reader's language, passed to a message as text.
      amountText:
        typeof checked.data.amount === 'number' && typeof checked.data.currency === 'string'
          ? formatMoney(checked.data.amount, checked.data.currency, lang)
          : undefined,
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
    const subject = render(`${template}.subject`, {}, 'text')
      // eslint-disable-next-line no-control-regex -- control characters are what this removes
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const html = render('layouts/branded.html', { subject, body: render(`${template}.html`, {}, 'html') }, 'html');
    const text = render('layouts/branded.text', { subject, body: render(`${template}.text`, {}, 'text').trim() }, 'text');
    const invite = template === 'consult-invitation' ? this.invite(checked.data, tenant, lang, model.link) : undefined;
    return { locale: lang, subject, html, text: text.replace(/\n{3,}/g, '\n\n').trim() + '\n', invite };
  }

  /** The event of a consult invitation: its words in the reader's language, its link to the consult's page. */
  private invite(data: Record<string, string | number>, tenant: ResolvedTenant, lang: string, link: string): RenderedEmail['invite'] {
    return {
      method: data.method as 'REQUEST' | 'CANCEL',
      uid: `consult-${data.consultId}@${tenant.primaryHost}`,
      sequence: data.sequence as number,
      start: new Date(data.startsAt),
      end: new Date(data.endsAt),
      stamp: new Date(),
      summary: this.translator.t('notifications.email.consult-invitation.event', lang, { hospital: tenant.name }),
      description: this.translator.t('notifications.email.consult-invitation.eventJoin', lang, { link }),
      url: link,
    };
  }

  /** The asked-for language when the hospital offers it, else the hospital's default. */
  localeFor(tenant: ResolvedTenant, locale: string | null | undefined): string {
    const offered = tenant.profile.locales ?? [tenant.defaultLocale];
    const chosen = locale && offered.includes(locale) ? locale : tenant.defaultLocale;
    return isPlatformLocale(chosen) ? chosen : 'en';
  }

  /** 30 -> "30 minutes", 120 -> "2 hours", 10080 -> "7 days": the largest whole unit, plural by the language's rules. */
  private duration(minutes: number, lang: string): string {
    const [unit, size] = minutes % 1440 === 0 ? ['day', 1440] : minutes % 60 === 0 ? ['hour', 60] : ['minute', 1];
    return this.translator.t('notifications.email.expiresIn', lang, { unit, count: minutes / size });
  }
}
