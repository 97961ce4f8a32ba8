import { Injectable } from '@nestjs/common';
import { AppConfig, RequestContext, TenantDatabase } from '@consilium/core';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Visit } from './visit.entity';

/** First-party, HttpOnly: only this site reads it, and only to credit a campaign. */
export const VISITOR_COOKIE = 'cs_vid';
const VISITOR_COOKIE_MAX_AGE = 180 * 24 * 3600;
const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BOT = /bot|crawl|spider|slurp|preview|monitor|lighthouse|headless/i;

export interface Landing {
  headers: IncomingHttpHeaders;
  /** The path without its query: `/es/specialties/oncology`. */
  path: string;
  query: URLSearchParams;
  host: string;
  locale: string;
}

export interface Touch {
  landedAt: Date;
  landingPath: string;
  referrerHost: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
}

export interface Attribution {
  visits: number;
  firstTouch?: Touch;
  lastTouch?: Touch;
}

/** Do Not Track or Global Privacy Control: the visitor asked not to be followed, so nothing is set or stored. */
export function trackingRefused(headers: IncomingHttpHeaders): boolean {
  return headers.dnt === '1' || headers['sec-gpc'] === '1';
}

/** The visitor id from the Cookie header, if it is one we could have set. */
export function visitorIdFrom(headers: IncomingHttpHeaders): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === VISITOR_COOKIE && value && UUID.test(value)) return value;
  }
  return undefined;
}

/**
 * Campaign attribution without PHI: a random visitor id in a first-party cookie, and one `visits` row per landing
 * (a first visit, or an arrival from a campaign link or another site). Internal navigation records nothing. The
 * intake issue calls `linkVisitorToCase` when a patient starts a case, so analytics can credit the campaign.
 */
@Injectable()
export class AttributionService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  /** Records the landing when it is one; returns the id to set in the visitor cookie when the visitor is new. */
  async recordLanding(landing: Landing): Promise<string | undefined> {
    const { headers } = landing;
    if (trackingRefused(headers) || BOT.test(headers['user-agent'] ?? '')) return undefined;
    const known = visitorIdFrom(headers);
    const visitorId = known ?? randomUUID();
    const utm = Object.fromEntries(UTM_FIELDS.map((f) => [f, cleanTag(landing.query.get(f))]));
    const referrerHost = externalReferrer(headers.referer, landing.host);
    const campaign = UTM_FIELDS.some((f) => utm[f]);
    if (known && !campaign && !referrerHost) return undefined;
    await this.db.transaction((tx) =>
      tx.insert(Visit, {
        tenantId: this.context.tenant().id,
        visitorId,
        landedAt: new Date(),
        landingPath: landing.path.slice(0, 200),
        locale: landing.locale,
        referrerHost,
        utmSource: utm.utm_source,
        utmMedium: utm.utm_medium,
        utmCampaign: utm.utm_campaign,
        utmTerm: utm.utm_term,
        utmContent: utm.utm_content,
      }),
    );
    return known ? undefined : visitorId;
  }

  /** How the visitor cookie is set: first-party, HttpOnly, Lax, for six months, Secure behind HTTPS. */
  cookieOptions() {
    return {
      path: '/',
      maxAge: VISITOR_COOKIE_MAX_AGE,
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.config.raw.PUBLIC_SCHEME === 'https',
    };
  }

  /** Links the visitor's unlinked visits to a case of the current tenant; returns how many were linked. */
  linkVisitorToCase(visitorId: string, caseId: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const result = await tx
        .createQueryBuilder()
        .update(Visit)
        .set({ caseId, linkedAt: () => 'now()' })
        .where('visitor_id = :visitorId AND case_id IS NULL', { visitorId })
        .execute();
      return result.affected ?? 0;
    });
  }

  /** First and last touch of a visitor on the current tenant's site (the campaign credit of a case). */
  attributionFor(visitorId: string): Promise<Attribution> {
    return this.db.transaction(async (tx) => {
      const visits = await tx.find(Visit, { where: { visitorId }, order: { landedAt: 'ASC' } });
      const touch = (v: Visit): Touch => ({
        landedAt: v.landedAt,
        landingPath: v.landingPath,
        referrerHost: v.referrerHost,
        utmSource: v.utmSource,
        utmMedium: v.utmMedium,
        utmCampaign: v.utmCampaign,
      });
      return { visits: visits.length, firstTouch: visits[0] && touch(visits[0]), lastTouch: visits.at(-1) && touch(visits.at(-1)!) };
    });
  }
}

/**
 * A campaign tag as analytics needs it: short, plain. Anything that looks like an email address is dropped, since
 * a tag is no place for who someone is.
 */
function cleanTag(value: string | null): string | null {
  if (!value) return null;
  const tag = value
    .trim()
    .slice(0, 100)
    .replace(/[^\p{L}\p{N} ._+:/-]/gu, '');
  if (!tag || value.includes('@')) return null;
  return tag;
}

/** The referring site's host name only (a full referrer URL may carry search terms); none for our own pages. */
function externalReferrer(referer: string | undefined, host: string): string | null {
  if (!referer) return null;
  try {
    const from = new URL(referer).hostname.toLowerCase();
    return from && from !== host ? from.slice(0, 253) : null;
  } catch {
    return null;
  }
}
