import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { LicensureRoute } from './licensure-router';

export const CONSENT_KINDS = [
  'terms',
  'records_authorization',
  'educational_disclaimer',
  'physician_to_physician',
  // Given on the details step by a parent (for a minor) or a caregiver (an adult patient authorized them).
  'proxy_guardian',
  'proxy_authorization',
] as const;
export type ConsentKind = (typeof CONSENT_KINDS)[number];

/** One consent as the patient gave it: which text (version and SHA-256 of exactly what was shown), when, from where. */
export interface ConsentGiven {
  kind: ConsentKind;
  version: string;
  textSha256: string;
  acceptedAt: Date;
  accountId: string;
}

/**
 * What a case needs agreed before it is sent: the terms and the authorization to use the records always; the
 * educational disclaimer on an educational route; the hand-over to the patient's own doctor on a physician-to-physician
 * route. A declined route needs nothing, because nothing is sent.
 */
export function requiredConsents(route: LicensureRoute | null | undefined): ConsentKind[] {
  if (!route || route === 'declined') return [];
  const kinds: ConsentKind[] = ['terms', 'records_authorization'];
  if (route === 'educational') kinds.push('educational_disclaimer');
  if (route === 'physician_to_physician') kinds.push('physician_to_physician');
  return kinds;
}

/**
 * The case_consents rows: one per case and kind, replaced when the patient agrees to a newer text (the audit log
 * keeps each agreement). The pipeline asks `complete` before `submit`.
 */
@Injectable()
export class CaseConsents {
  async give(
    tx: EntityManager,
    tenantId: string,
    caseId: string,
    consent: Omit<ConsentGiven, 'acceptedAt'>,
    ip: string | null,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO case_consents (tenant_id, case_id, kind, version, text_sha256, account_id, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, case_id, kind)
       DO UPDATE SET version = EXCLUDED.version, text_sha256 = EXCLUDED.text_sha256, account_id = EXCLUDED.account_id,
                     ip = EXCLUDED.ip, accepted_at = now()`,
      [tenantId, caseId, consent.kind, consent.version, consent.textSha256, consent.accountId, ip],
    );
  }

  async list(tx: EntityManager, caseId: string): Promise<ConsentGiven[]> {
    const rows: { kind: ConsentKind; version: string; text_sha256: string; accepted_at: Date; account_id: string }[] = await tx.query(
      'SELECT kind, version, text_sha256, accepted_at, account_id FROM case_consents WHERE case_id = $1 ORDER BY kind',
      [caseId],
    );
    return rows.map((r) => ({
      kind: r.kind,
      version: r.version,
      textSha256: r.text_sha256,
      acceptedAt: r.accepted_at,
      accountId: r.account_id,
    }));
  }

  /** The kinds the route needs that are not given, or given for another version than `current` says is in force. */
  async missing(
    tx: EntityManager,
    caseId: string,
    route: LicensureRoute | null | undefined,
    current?: Partial<Record<ConsentKind, string>>,
  ): Promise<ConsentKind[]> {
    const given = new Map((await this.list(tx, caseId)).map((c) => [c.kind, c.version]));
    return requiredConsents(route).filter(
      (kind) => !given.has(kind) || (current?.[kind] !== undefined && given.get(kind) !== current[kind]),
    );
  }
}
