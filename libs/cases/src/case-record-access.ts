import { Injectable } from '@nestjs/common';
import { ContextActor, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { RecordAccess, RecordTarget } from '@consilium/records';
import { EntityManager } from 'typeorm';
import { Case } from './case.entity';
import { CaseAccess } from './case-access';
import { CasesError } from './cases-error';
import { CaseState } from './case-state';

/** Before acceptance the patient is still assembling the request: records are welcome. */
export const PATIENT_UPLOAD_STATES: readonly CaseState[] = ['draft', 'submitted', 'triage', 'awaiting_records'];
/** After acceptance, only when the care team asked (a `records_asked` event), and until the opinion is signed. */
export const ASKED_UPLOAD_STATES: readonly CaseState[] = ['accepted', 'assigned', 'in_review'];

/** The patient's own case, in a state where new records would not be looked at. */
export class RecordsNotOpen extends CasesError {
  constructor() {
    super('records_not_open');
  }
}

/**
 * Who may touch a case's records (the records engine asks; it knows nothing of cases):
 * - the patient of the case reads their files, and uploads while the request is being put together or triaged, or
 *   later when the care team asked for more;
 * - coordinators and admins of the hospital read and upload on any of its cases;
 * - the assigned physician reads, and so do physicians asked to contribute to the case (multidisciplinary review).
 * - an integration's API credential reads the list of a case's files (the API serves no file's bytes);
 * Everyone else, a local physician and another hospital's accounts included, gets the same 404 as a case that does
 * not exist. (A local physician sees the case's opinion, not the patient's records: granting that is a decision for
 * the hospital's consent wording, not a default.)
 */
@Injectable()
export class CaseRecordAccess extends RecordAccess {
  constructor(
    private readonly db: TenantDatabase,
    private readonly cases: CaseAccess,
    private readonly context: RequestContext,
  ) {
    super();
  }

  async assertCanUpload(caseId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { c, actor } = await this.caseFor(tx, caseId);
      if (actor.kind === 'staff' && isCareTeamLead(actor)) return;
      if (actor.kind !== 'patient') throw new NotFound();
      if (!(await this.patientMayUpload(tx, c))) throw new RecordsNotOpen();
    });
  }

  async assertCanRead(target: RecordTarget): Promise<void> {
    // A file itself (target.fileId) is never an integration's to read; the case's list of files is.
    await this.db.transaction((tx) => this.caseFor(tx, target.caseId, { integration: !target.fileId }));
  }

  /** Whether the page should offer the patient an upload form (same rule as assertCanUpload). */
  async patientMayUpload(tx: EntityManager, c: Case): Promise<boolean> {
    if (PATIENT_UPLOAD_STATES.includes(c.state)) return true;
    if (!ASKED_UPLOAD_STATES.includes(c.state)) return false;
    const asked: unknown[] = await tx.query(
      `SELECT 1 FROM case_events WHERE tenant_id = $1 AND case_id = $2 AND type = 'records_asked' LIMIT 1`,
      [c.tenantId, c.id],
    );
    return asked.length > 0;
  }

  private async caseFor(
    tx: EntityManager,
    caseId: string,
    allow: { integration?: boolean } = {},
  ): Promise<{ c: Case; actor: ContextActor }> {
    const actor = this.context.actor();
    if (!actor || actor.kind === 'local_physician' || (actor.kind === 'api_key' && !allow.integration)) throw new NotFound();
    const c = await this.cases.caseFor(tx, caseId, actor);
    return { c, actor };
  }
}

function isCareTeamLead(actor: ContextActor): boolean {
  return actor.roles.includes('admin') || actor.roles.includes('coordinator');
}
