import { Injectable } from '@nestjs/common';
import { Case, CaseContributors, CaseRecords, LicensureRoute, ReviewedRecords } from '@consilium/cases';
import { CatalogReader } from '@consilium/catalog';
import { first, todayIn } from '@consilium/core';
import { PhysicianAccounts } from '@consilium/roster';
import { jurisdictionName, localize, Localized, ResolvedTenant } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { Opinion } from './opinion.entity';

/** Who signed a version, as the roster knows them, with the license that made the case's route legal. */
export interface SigningPhysicianFacts {
  /** "Amara Okafor, MD, PhD": the roster's name and credentials (the account's name only off the roster). */
  signature: string;
  title?: Localized;
  specialty?: Localized;
  license?: { jurisdiction: string; number: string };
}

/** What a letter and the opinion page say of who wrote the opinion and from what. */
export interface OpinionAttribution {
  physician: SigningPhysicianFacts;
  /** Physicians of a multidisciplinary review, by their roster name. */
  contributors: string[];
  records: ReviewedRecords;
  /** Who approved the version in the hospital's quality check, in what capacity and when (none without a check). */
  check?: QualityApproval;
}

export interface QualityApproval {
  name: string;
  role: 'medical_director' | 'physician';
  at: Date;
}

/** The same facts in the reader's language, as lines a page or a letter prints. */
export interface AttributionWords {
  signature: string;
  title?: string;
  specialty?: string;
  license?: { jurisdiction: string; number: string };
  contributors: string[];
  files: { name: string; kind: string | null }[];
  studies: { date: string | null; description: string | null; modalities: string }[];
  check?: QualityApproval;
}

/**
 * Gathers a signed version's attribution from the roster (signer, licenses valid on the signing day), the catalog
 * (the case's specialty), its contributors and its records. Runs in the delivery job as well as on a page: it takes
 * the caller's transaction and tenant, never the request.
 */
@Injectable()
export class OpinionAttributions {
  constructor(
    private readonly roster: PhysicianAccounts,
    private readonly contributors: CaseContributors,
    private readonly records: CaseRecords,
    private readonly catalog: CatalogReader,
  ) {}

  async of(tx: EntityManager, tenant: ResolvedTenant, c: Case, opinion: Opinion): Promise<OpinionAttribution> {
    const day = todayIn(tenant.timeZone, opinion.signedAt ?? new Date());
    const signer = opinion.signedBy ? await this.roster.signer(tx, opinion.signedBy, day) : null;
    const catalog = await this.catalog.snapshot(tenant.id);
    const offering = catalog.offerings.find((o) => o.id === c.offeringId);
    const specialty = catalog.specialties.find((s) => s.id === (offering?.specialtyId ?? signer?.specialtyIds[0]));
    let physician: SigningPhysicianFacts;
    if (signer) {
      physician = {
        signature: signer.credentials ? `${signer.name}, ${signer.credentials}` : signer.name,
        title: signer.title,
        specialty: specialty?.name,
        license: licenseFor(signer.licenses, c.jurisdiction, c.routeOverride?.route ?? c.route),
      };
    } else {
      const account = opinion.signedBy
        ? await first<{ name: string }>(tx, 'SELECT name FROM accounts WHERE id = $1', [opinion.signedBy])
        : null;
      physician = { signature: account?.name ?? '', specialty: specialty?.name };
    }
    const contributors = (await this.contributors.list(tx, c.id)).map((k) => k.name);
    const check = await first<QualityApproval>(
      tx,
      `SELECT a.name, k.reviewer_role AS role, k.created_at AS at
         FROM opinion_checks k JOIN accounts a ON a.tenant_id = k.tenant_id AND a.id = k.reviewer_id
        WHERE k.opinion_id = $1 AND k.outcome = 'approved'`,
      [opinion.id],
    );
    return { physician, contributors, records: await this.records.reviewed(tenant.id, c.id), check };
  }
}

/**
 * The license the letter names: the one valid in the patient's jurisdiction on the signing day (what makes a direct
 * opinion legal); on another route, which needs none there, the physician's first valid license.
 */
function licenseFor(
  licenses: { jurisdiction: string; number: string }[],
  jurisdiction: string | null,
  route: LicensureRoute | null,
): { jurisdiction: string; number: string } | undefined {
  const there = licenses.find((l) => l.jurisdiction === jurisdiction);
  if (there) return { jurisdiction: there.jurisdiction, number: there.number };
  if (route === 'direct') return undefined;
  const any = licenses[0];
  return any && { jurisdiction: any.jurisdiction, number: any.number };
}

/** The attribution in `locale` (the hospital's words falling back to its default language). */
export function attributionWords(a: OpinionAttribution, locale: string, fallback: string): AttributionWords {
  return {
    signature: a.physician.signature,
    title: localize(a.physician.title, locale, fallback) || undefined,
    specialty: localize(a.physician.specialty, locale, fallback) || undefined,
    license: a.physician.license && {
      jurisdiction: jurisdictionName(a.physician.license.jurisdiction, locale),
      number: a.physician.license.number,
    },
    contributors: a.contributors,
    files: a.records.files,
    studies: a.records.studies.map((s) => ({ date: s.date, description: s.description, modalities: s.modalities.join(', ') })),
    check: a.check,
  };
}
