import { Injectable } from '@nestjs/common';
import { Case, CaseAccess } from '@consilium/cases';
import { first, NotFound, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { Opinion } from './opinion.entity';

/** A signed version of a delivered case's opinion, with its letter's size and hash (not its bytes). */
export interface DeliveredOpinion {
  case: Case;
  opinion: Opinion;
  letter: { sizeBytes: number; sha256: string; createdAt: Date } | null;
}

/**
 * Delivered opinions as other systems read them (the integration API, FHIR): only once the case was delivered, and
 * only a case the actor may see (CaseAccess); before delivery an opinion does not exist for anyone outside the review.
 */
@Injectable()
export class DeliveredOpinions {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
  ) {}

  /** The latest signed version. */
  latest(caseId: string): Promise<DeliveredOpinion> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (!c.deliveredAt) throw new NotFound();
      const opinion = await tx.findOne(Opinion, { where: { caseId: c.id, status: 'signed' }, order: { version: 'DESC' } });
      if (!opinion) throw new NotFound();
      return { case: c, opinion, letter: await this.letterFacts(tx, opinion.id) };
    });
  }

  /** One signed version by its id (every version stays readable after an amendment). */
  version(opinionId: string): Promise<DeliveredOpinion> {
    if (!/^[0-9a-f-]{36}$/i.test(opinionId)) throw new NotFound();
    return this.db.transaction(async (tx) => {
      const opinion = await tx.findOne(Opinion, { where: { id: opinionId, status: 'signed' } });
      if (!opinion) throw new NotFound();
      const c = await this.access.caseFor(tx, opinion.caseId);
      if (!c.deliveredAt) throw new NotFound();
      return { case: c, opinion, letter: await this.letterFacts(tx, opinion.id) };
    });
  }

  /** The signed PDF letter of a version the actor may read. */
  async letter(opinionId: string): Promise<Buffer> {
    await this.version(opinionId);
    const row = await this.db.transaction((tx) =>
      first<{ pdf: Buffer }>(tx, 'SELECT pdf FROM opinion_letters WHERE opinion_id = $1', [opinionId]),
    );
    if (!row) throw new NotFound();
    return row.pdf;
  }

  private async letterFacts(tx: EntityManager, opinionId: string): Promise<DeliveredOpinion['letter']> {
    const row = await first<{ size: number; sha256: string; created_at: Date }>(
      tx,
      'SELECT octet_length(pdf) AS size, sha256, created_at FROM opinion_letters WHERE opinion_id = $1',
      [opinionId],
    );
    return row ? { sizeBytes: row.size, sha256: row.sha256, createdAt: row.created_at } : null;
  }
}
