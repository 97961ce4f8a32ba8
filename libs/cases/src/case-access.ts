import { Injectable } from '@nestjs/common';
import { ContextActor, first, NotFound, RequestContext } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { Case } from './case.entity';

/**
 * The one answer to "may this actor see this case" (immutable's access helper): a patient their own cases (and one
 * their caregiver invited them to follow), a local physician the one case they were invited to, a physician the
 * cases assigned to them or that they were asked to contribute to, coordinators and admins every case of their hospital, and so does an integration's API credential
 * (row-level security keeps it to its hospital; its scopes say what it may read of a case). Anything else is the
 * same 404 as a case that does not exist.
 */
@Injectable()
export class CaseAccess {
  constructor(private readonly context: RequestContext) {}

  async caseFor(tx: EntityManager, caseId: string, actor: ContextActor | undefined = this.context.actor()): Promise<Case> {
    if (!actor || !/^[0-9a-f-]{36}$/i.test(caseId)) throw new NotFound();
    const found = await tx.findOneBy(Case, { id: caseId });
    if (!found) throw new NotFound();
    if (!this.maySee(found, actor) && !(await this.contributes(tx, found, actor)) && !(await this.follows(tx, found, actor)))
      throw new NotFound();
    return found;
  }

  /** An adult patient their caregiver invited follows the case too (until the case is theirs: then they own it). */
  async follows(tx: EntityManager, c: Case, actor: ContextActor): Promise<boolean> {
    if (actor.kind !== 'patient') return false;
    return !!(await first(tx, 'SELECT 1 FROM case_followers WHERE case_id = $1 AND account_id = $2', [c.id, actor.id]));
  }

  /** A physician asked to contribute to a multidisciplinary review sees that case too (but does not sign it). */
  async contributes(tx: EntityManager, c: Case, actor: ContextActor): Promise<boolean> {
    if (actor.kind !== 'staff' || !actor.roles.includes('physician')) return false;
    return !!(await first(tx, 'SELECT 1 FROM case_contributors WHERE case_id = $1 AND account_id = $2', [c.id, actor.id]));
  }

  maySee(c: Case, actor: ContextActor): boolean {
    switch (actor.kind) {
      case 'patient':
        return c.patientId === actor.id;
      case 'local_physician':
        return actor.scopeCaseId === c.id;
      case 'staff':
        if (actor.roles.includes('admin') || actor.roles.includes('coordinator')) return true;
        return actor.roles.includes('physician') && c.assignedPhysicianId === actor.id;
      case 'api_key':
        return true;
      default:
        return false;
    }
  }
}
