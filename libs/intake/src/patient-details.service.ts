import { Injectable } from '@nestjs/common';
import { Case, CaseAccess, CaseConsents, CaseSubject, CaseSubjects } from '@consilium/cases';
import { NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import type { ConsentDocument } from './wizard/consent-documents';

/**
 * Who a sent request is for, as its requester keeps it up to date from the case page (a new phone, a date of birth
 * given later). Only the account that made the request writes it; anyone else is the same 404 as a missing case.
 */
@Injectable()
export class PatientDetails {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly subjects: CaseSubjects,
    private readonly consents: CaseConsents,
    private readonly context: RequestContext,
  ) {}

  of(caseId: string): Promise<{ c: Case; subject: CaseSubject | null }> {
    return this.db.transaction(async (tx) => {
      const c = await this.requested(tx, caseId);
      return { c, subject: await this.subjects.of(tx, c) };
    });
  }

  /** Saves the details; a request that now names someone else stores that proxy consent with its version and hash. */
  async update(caseId: string, subject: CaseSubject, proxy?: ConsentDocument): Promise<void> {
    await this.db.transaction(async (tx) => {
      const c = await this.requested(tx, caseId);
      await this.subjects.save(tx, c.tenantId, c.id, subject);
      if (proxy)
        await this.consents.give(
          tx,
          c.tenantId,
          c.id,
          { kind: proxy.kind, version: proxy.version, textSha256: proxy.sha256, accountId: c.patientId },
          this.context.ip() ?? null,
        );
    });
  }

  private async requested(tx: EntityManager, caseId: string): Promise<Case> {
    const actor = this.context.actor();
    if (!actor || actor.kind !== 'patient') throw new NotFound();
    const c = await this.access.caseFor(tx, caseId, actor);
    if (c.patientId !== actor.id) throw new NotFound();
    return c;
  }
}
