import { Injectable } from '@nestjs/common';
import { affected, first, InvalidInput, msg, NotFound, rows, TenantDatabase } from '@consilium/core';
import type { Localized } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';

/** What assignment needs to know of a roster physician. */
export interface AssignablePhysician {
  id: string;
  name: string;
  credentials: string;
  /** The staff account they sign in with; null when nobody linked one (they cannot be assigned). */
  accountId: string | null;
  specialtyIds: string[];
  licenses: { jurisdiction: string; expiresOn: string }[];
  acceptingNewCases: boolean;
  weeklyCapacity: number;
}

/** A physician as a signed document names them for an integration (FHIR's Practitioner): every license, past too. */
export interface DocumentSigner {
  id: string;
  name: string;
  credentials: string;
  licenses: { jurisdiction: string; number: string; expiresOn: string }[];
}

/** The roster's facts a signed letter carries. */
export interface SigningPhysician {
  name: string;
  credentials: string;
  title: Localized;
  specialtyIds: string[];
  /** Valid on the signing day only. */
  licenses: { jurisdiction: string; number: string; expiresOn: string }[];
}

/** A roster physician on the admin page: their account link and the stipend rate in force. */
export interface LinkedPhysician {
  id: string;
  name: string;
  accountId: string | null;
  accountEmail: string | null;
  rate: { amountMinor: number; currency: string; effectiveFrom: string } | null;
}

/**
 * The link between a roster physician (profile, licenses, stipend) and the staff account they sign in with. A case
 * is assigned to the account (so CaseAccess can compare it with who is signed in); the roster row says whether that
 * person may take it.
 */
@Injectable()
export class PhysicianAccounts {
  constructor(private readonly db: TenantDatabase) {}

  /** Active physicians with what ranking needs. One query per table, all small (a hospital's roster). */
  async assignable(tx: EntityManager): Promise<AssignablePhysician[]> {
    const physicians = await rows<{
      id: string;
      name: string;
      credentials: string;
      account_id: string | null;
      accepting_new_cases: boolean;
      weekly_capacity: number;
      specialty_ids: string[];
      licenses: { jurisdiction: string; expiresOn: string }[];
    }>(
      tx,
      `SELECT p.id, p.name, p.credentials, p.account_id, p.accepting_new_cases, p.weekly_capacity,
              coalesce((SELECT array_agg(s.specialty_id ORDER BY s.position) FROM physician_specialties s WHERE s.tenant_id = p.tenant_id AND s.physician_id = p.id), '{}') AS specialty_ids,
              coalesce((SELECT json_agg(json_build_object('jurisdiction', l.jurisdiction, 'expiresOn', l.expires_on::text)) FROM physician_licenses l
                         WHERE l.tenant_id = p.tenant_id AND l.physician_id = p.id), '[]') AS licenses
         FROM physicians p WHERE p.active ORDER BY p.position, p.slug`,
    );
    return physicians.map((r) => ({
      id: r.id,
      name: r.name,
      credentials: r.credentials,
      accountId: r.account_id,
      acceptingNewCases: r.accepting_new_cases,
      weeklyCapacity: r.weekly_capacity,
      specialtyIds: r.specialty_ids,
      licenses: r.licenses,
    }));
  }

  /**
   * Who signs as `accountId`: the roster's name, credentials and title, and the licenses valid on `day`
   * (`YYYY-MM-DD` in the hospital's time zone). Null when the account is on no roster row.
   */
  async signer(tx: EntityManager, accountId: string, day: string): Promise<SigningPhysician | null> {
    const row = await first<SigningPhysician>(
      tx,
      `SELECT p.name, p.credentials, p.title,
              coalesce((SELECT array_agg(s.specialty_id ORDER BY s.position) FROM physician_specialties s WHERE s.tenant_id = p.tenant_id AND s.physician_id = p.id), '{}') AS "specialtyIds",
              coalesce((SELECT json_agg(json_build_object('jurisdiction', l.jurisdiction, 'number', l.number, 'expiresOn', l.expires_on::text) ORDER BY l.jurisdiction)
                          FROM physician_licenses l WHERE l.tenant_id = p.tenant_id AND l.physician_id = p.id AND l.expires_on >= $2::date), '[]') AS licenses
         FROM physicians p WHERE p.account_id = $1`,
      [accountId, day],
    );
    return row ?? null;
  }

  /** The roster physician signed in as `accountId`, if any. */
  async byAccount(tx: EntityManager, accountId: string): Promise<{ id: string; name: string } | null> {
    return (await first<{ id: string; name: string }>(tx, 'SELECT id, name FROM physicians WHERE account_id = $1', [accountId])) ?? null;
  }

  /**
   * The physician signed in as `accountId` as a signed document names them (FHIR's Practitioner): name, credentials
   * and every license with its number, current or not (who signed is a fact of the past).
   */
  documentSigner(accountId: string): Promise<DocumentSigner | null> {
    return this.db.transaction(async (tx) => {
      const row = await first<DocumentSigner>(
        tx,
        `SELECT p.id, p.name, p.credentials,
                coalesce((SELECT json_agg(json_build_object('jurisdiction', l.jurisdiction, 'number', l.number, 'expiresOn', l.expires_on::text)
                                          ORDER BY l.jurisdiction)
                            FROM physician_licenses l WHERE l.tenant_id = p.tenant_id AND l.physician_id = p.id), '[]') AS licenses
           FROM physicians p WHERE p.account_id = $1`,
        [accountId],
      );
      return row ?? null;
    });
  }

  /** Admin page: every active physician with their link and current rate, and the staff who may be linked. */
  adminView(today: string): Promise<{ physicians: LinkedPhysician[]; staff: { id: string; name: string; email: string }[] }> {
    return this.db.transaction(async (tx) => {
      const physicians = await rows<LinkedPhysician>(
        tx,
        `SELECT p.id, p.name, p.account_id AS "accountId", a.email AS "accountEmail",
                (SELECT json_build_object('amountMinor', r.amount_minor, 'currency', trim(r.currency), 'effectiveFrom', r.effective_from::text)
                   FROM physician_stipend_rates r WHERE r.tenant_id = p.tenant_id AND r.physician_id = p.id AND r.effective_from <= $1::date
                  ORDER BY r.effective_from DESC LIMIT 1) AS rate
           FROM physicians p LEFT JOIN accounts a ON a.tenant_id = p.tenant_id AND a.id = p.account_id
          WHERE p.active ORDER BY p.position, p.slug`,
        [today],
      );
      const staff = await rows<{ id: string; name: string; email: string }>(
        tx,
        `SELECT a.id, a.name, a.email FROM accounts a JOIN staff_roles r ON r.tenant_id = a.tenant_id AND r.account_id = a.id
          WHERE r.role = 'physician' AND a.disabled_at IS NULL ORDER BY a.name, a.email`,
      );
      return { physicians, staff };
    });
  }

  /** Admin: links a physician to a staff account holding the physician role (or unlinks with null). */
  link(physicianId: string, accountId: string | null): Promise<void> {
    return this.db.transaction(async (tx) => {
      if (accountId) {
        const ok = await first(tx, `SELECT 1 FROM staff_roles WHERE account_id = $1 AND role = 'physician'`, [accountId]);
        if (!ok) throw new InvalidInput({ [`account_${physicianId}`]: msg('roster.admin.notPhysician') });
        const taken = await first<{ name: string }>(tx, 'SELECT name FROM physicians WHERE account_id = $1 AND id <> $2', [
          accountId,
          physicianId,
        ]);
        if (taken) throw new InvalidInput({ [`account_${physicianId}`]: msg('roster.admin.alreadyLinked', { name: taken.name }) });
      }
      const count = await affected(tx, 'UPDATE physicians SET account_id = $2, updated_at = now() WHERE id = $1', [physicianId, accountId]);
      if (count !== 1) throw new NotFound();
    });
  }
}
