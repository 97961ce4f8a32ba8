import { Injectable } from '@nestjs/common';
import { isPlatformLocale } from '@consilium/core';
import { AccountMail, AccountMailMessage } from '@consilium/identity';
import { EntityManager } from 'typeorm';
import { InvalidEmailData } from './email-catalog';
import { Mailer } from './mailer';

const TOKEN = '([A-Za-z0-9_-]{32,256})';

/** Identity's routes, as identity builds its links; each yields the catalogue's typed data. */
const ROUTES: Record<
  AccountMailMessage['template'],
  { path: RegExp; data: (m: RegExpExecArray, expiresInMinutes?: number) => Record<string, unknown> }
> = {
  'magic-link': { path: new RegExp(`^/sign-in/link/${TOKEN}$`), data: (m, expires) => ({ token: m[1], expiresInMinutes: expires }) },
  'account-exists': { path: new RegExp(`^/sign-in/link/${TOKEN}$`), data: (m, expires) => ({ token: m[1], expiresInMinutes: expires }) },
  'password-reset': {
    path: new RegExp(`^(/console)?/reset-password/${TOKEN}$`),
    data: (m, expires) => ({ token: m[2], expiresInMinutes: expires, audience: m[1] ? 'staff' : 'patient' }),
  },
  'email-verification': {
    path: new RegExp(`^(/console)?/verify-email/${TOKEN}$`),
    data: (m, expires) => ({ token: m[2], expiresInMinutes: expires, audience: m[1] ? 'staff' : 'patient' }),
  },
  'staff-invitation': {
    path: new RegExp(`^/console/invitation/${TOKEN}$`),
    data: (m, expires) => ({ token: m[1], expiresInMinutes: expires }),
  },
  'sign-in-failures': { path: /^(\/console)?\/forgot-password$/, data: (m) => ({ audience: m[1] ? 'staff' : 'patient' }) },
};

/**
 * Identity's AccountMail port, answered by the Mailer: account emails go through the same job queue, branded layout
 * and suppression list as every other message. Identity hands over finished URLs; the catalogue builds its links
 * itself, so this reads the token back out of the URL and refuses any URL not shaped like identity's own routes
 * (no query string, no other path). The hospital's name comes from its brand, not from the message.
 */
@Injectable()
export class BrandedAccountMail extends AccountMail {
  constructor(private readonly mailer: Mailer) {
    super();
  }

  async send(tx: EntityManager, tenantId: string, message: AccountMailMessage): Promise<void> {
    const route = ROUTES[message.template];
    if (!route) throw new InvalidEmailData(message.template, ['template']);
    let match: RegExpExecArray | null = null;
    try {
      const url = new URL(message.data.url ?? '');
      if (!url.search && !url.hash) match = route.path.exec(url.pathname);
    } catch {
      match = null;
    }
    if (!match) throw new InvalidEmailData(message.template, ['url']);
    const locale = isPlatformLocale(message.locale) ? message.locale : undefined;
    await this.mailer.send(tx, {
      tenantId,
      to: message.to,
      template: message.template,
      locale,
      data: route.data(match, message.data.expiresInMinutes),
    });
  }
}
