import { Injectable } from '@nestjs/common';
import { ContextActor, NotFound, one, RequestContext } from '@consilium/core';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Case } from './case.entity';
import { CaseConsents } from './case-consents.service';
import { CaseEventObservers } from './case-event-observers';
import { CaseState, MOVES_BY_NAME, MoveActor } from './case-state';
import { CaseMilestones } from './milestones/case-milestones';
import { CasePromises } from './promise/case-promises.service';
import { CaseFacts, planMove } from './state-machine';
import { refundedOf } from './refunded-amount';

export interface CaseEventInput {
  type: string;
  fromState?: CaseState | null;
  toState?: CaseState | null;
  /** Facts for the timeline and analytics. Never free text from the patient (that lives on the case or in messages). */
  data?: Record<string, unknown>;
}

/** Events (not moves) that stop or restart the promise's clock after acceptance. */
const PROMISE_EVENTS = ['records_asked', 'records_uploaded'];

/** Timestamps a move sets, so reports need not replay events for the common questions. */
const STAMPS: Partial<Record<CaseState, keyof Case>> = {
  submitted: 'submittedAt',
  accepted: 'acceptedAt',
  delivered: 'deliveredAt',
  closed: 'closedAt',
};

/**
 * Applies moves of the state machine: locks the case, judges the move against the table, changes the state and
 * appends the event, all in the caller's tenant transaction, so the state and its history never disagree.
 */
@Injectable()
export class CasePipeline {
  constructor(
    private readonly context: RequestContext,
    private readonly consents: CaseConsents,
    private readonly observers: CaseEventObservers,
    private readonly promises: CasePromises,
    private readonly milestones: CaseMilestones,
  ) {}

  async move(
    tx: EntityManager,
    caseId: string,
    moveName: string,
    as: MoveActor,
    options: { reason?: string; data?: Record<string, unknown>; facts?: Partial<CaseFacts>; actor?: ContextActor } = {},
  ): Promise<Case> {
    const found = await tx
      .getRepository(Case)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.id = :id', { id: caseId })
      .getOne();
    if (!found) throw new NotFound();
    const facts = this.factsOf(found);
    // Whether the consents are complete is a question for case_consents, asked only by the moves that need it.
    if (MOVES_BY_NAME.get(moveName)?.requires.includes('consents_given') && options.facts?.consentsGiven === undefined) {
      facts.consentsGiven = (await this.consents.missing(tx, found.id, found.routeOverride?.route ?? found.route)).length === 0;
    }
    const move = planMove({ ...facts, ...options.facts }, moveName, as, options.reason);
    const stamp = STAMPS[move.to];
    await tx.update(
      Case,
      { tenantId: found.tenantId, id: found.id },
      { state: move.to, ...(stamp && !found[stamp] ? { [stamp]: new Date() } : {}) },
    );
    await this.record(
      tx,
      found,
      {
        type: move.name,
        fromState: found.state,
        toState: move.to,
        data: { ...(options.reason ? { reason: options.reason } : {}), ...options.data },
      },
      as === 'system' ? null : (options.actor ?? this.context.actor() ?? null),
    );
    // The promise to the patient follows the move (set at submission and acceptance, paused while records are awaited).
    const promised = await this.promises.afterMove(tx, found, move.name);
    if (promised) await this.record(tx, found, promised, null);
    // The patient hears of each milestone once (an email by key, and a line on their timeline).
    const moved = await tx.getRepository(Case).findOneByOrFail({ tenantId: found.tenantId, id: found.id });
    const told = await this.milestones.afterMove(tx, moved, move.name, options.data);
    if (told) await this.record(tx, found, told, null);
    return { ...found, state: move.to };
  }

  /** Appends an event that is not a move (a message, an upload, a note); `seq` orders a case's events. */
  /** `actor` null means the platform itself (jobs, webhooks); by default it is the request's actor. */
  async record(
    tx: EntityManager,
    c: Pick<Case, 'tenantId' | 'id'>,
    event: CaseEventInput,
    actor: ContextActor | null | undefined = this.context.actor(),
  ): Promise<void> {
    // Concurrent events on one case take turns on the case row, so `seq` never collides; and the case's
    // `updated_at` says when anything last happened to it (what the API's "updated since" reads).
    await tx.query('UPDATE cases SET updated_at = now() WHERE tenant_id = $1 AND id = $2', [c.tenantId, c.id]);
    await tx.query(
      `INSERT INTO case_events (tenant_id, case_id, seq, type, from_state, to_state, actor_kind, actor_id, data)
       VALUES ($1, $2, (SELECT coalesce(max(seq), 0) + 1 FROM case_events WHERE tenant_id = $1 AND case_id = $2), $3, $4, $5, $6, $7, $8)`,
      [
        c.tenantId,
        c.id,
        event.type,
        event.fromState ?? null,
        event.toState ?? null,
        actor?.kind ?? 'system',
        actor?.id ?? null,
        event.data ?? {},
      ],
    );
    await this.observers.notify(tx, {
      tenantId: c.tenantId,
      caseId: c.id,
      type: event.type,
      fromState: event.fromState ?? null,
      toState: event.toState ?? null,
      data: event.data ?? {},
    });
    if (PROMISE_EVENTS.includes(event.type)) {
      const current = await tx.getRepository(Case).findOneByOrFail({ tenantId: c.tenantId, id: c.id });
      const promised = await this.promises.afterEvent(tx, current, event.type);
      if (promised) await this.record(tx, c, promised, null);
    }
    // A partial refund is no move, but the patient hears of it like a full one (the `refund` move); so does the rest of
    // a payment refunded by rule after a first part (the case stays under review, so there is no move either).
    if (event.type === 'payment_refunded' || (event.type === 'payment_refunded_in_full' && event.data?.afterPartial)) {
      const current = await tx.getRepository(Case).findOneByOrFail({ tenantId: c.tenantId, id: c.id });
      const paymentId = typeof event.data?.paymentId === 'string' ? event.data.paymentId : 'unknown';
      const occurrence = `payment-${paymentId}${event.type === 'payment_refunded' ? '' : '-full'}`;
      const told = await this.milestones.reach(tx, current, 'refund_issued', refundedOf(event.data), occurrence);
      if (told) await this.record(tx, c, told, null);
    }
  }

  /** Holds the case's row until the caller's transaction ends: changes to one case (and its events) take turns. */
  async lock(tx: EntityManager, c: Pick<Case, 'tenantId' | 'id'>): Promise<void> {
    await tx.query('SELECT 1 FROM cases WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [c.tenantId, c.id]);
  }

  /** Billing reports a paid extra follow-up question: the case includes one more round than its offering did. */
  async includeAnotherFollowUp(tx: EntityManager, c: Pick<Case, 'tenantId' | 'id'>): Promise<void> {
    await tx.query('UPDATE cases SET follow_ups_included = follow_ups_included + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2', [
      c.tenantId,
      c.id,
    ]);
  }

  /** Billing reports the card authorization (or full funding): the fact the `submit` move requires. Set once. */
  async markPaymentAuthorized(tx: EntityManager, caseId: string, at: Date): Promise<void> {
    await tx.query('UPDATE cases SET payment_authorized_at = $2, updated_at = now() WHERE id = $1 AND payment_authorized_at IS NULL', [
      caseId,
      at,
    ]);
  }

  /** The next readable number for the tenant's year, e.g. `LKS-2026-000123`. The counter row serialises writers. */
  async nextNumber(tx: EntityManager, tenantId: string, prefix: string, now = new Date()): Promise<string> {
    const year = now.getUTCFullYear();
    const row = await one<{ last_number: number }>(
      tx,
      `INSERT INTO case_number_counters AS c (tenant_id, year, last_number) VALUES ($1, $2, 1)
       ON CONFLICT (tenant_id, year) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number`,
      [tenantId, year],
    );
    return `${prefix}-${year}-${String(row.last_number).padStart(6, '0')}`;
  }

  /**
   * Creates a case with its first event, and numbers it last. The tenant's number counter is one row, locked from
   * the moment it is taken until commit, so every request of a hospital waits for it: taken at the end, it is held
   * for one statement and the commit instead of the whole transaction. Until then the case carries a placeholder
   * number that no other transaction can see. Returns the case as stored, with its number.
   */
  async create(
    tx: EntityManager,
    fields: Partial<Case> & Pick<Case, 'tenantId' | 'patientId' | 'state'>,
    prefix: string,
    event: CaseEventInput,
    actor: ContextActor | null | undefined = this.context.actor(),
    now = new Date(),
  ): Promise<Case> {
    const id = fields.id ?? randomUUID();
    await tx.insert(Case, { ...fields, id, number: `pending-${id}` });
    await this.record(tx, { tenantId: fields.tenantId, id }, event, actor);
    const row = await one<{ number: string }>(
      tx,
      `WITH n AS (
         INSERT INTO case_number_counters AS c (tenant_id, year, last_number) VALUES ($1, $3, 1)
         ON CONFLICT (tenant_id, year) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number
       )
       UPDATE cases SET number = $4 || '-' || $3 || '-' || lpad(n.last_number::text, greatest(6, length(n.last_number::text)), '0') FROM n
        WHERE cases.tenant_id = $1 AND cases.id = $2 RETURNING cases.number`,
      [fields.tenantId, id, now.getUTCFullYear(), prefix],
    );
    return { ...fields, id, number: row.number } as Case;
  }

  factsOf(c: Case): CaseFacts {
    return {
      state: c.state,
      consentsGiven: false,
      quoteAccepted: !!c.quoteAcceptedAt,
      paymentAuthorized: !!c.paymentAuthorizedAt,
      routeAllowsOpinion: (c.routeOverride?.route ?? c.route) !== 'declined' && !!(c.routeOverride?.route ?? c.route),
      localPhysicianMissing: (c.routeOverride?.route ?? c.route) === 'physician_to_physician' && !c.localPhysician,
      physicianAssigned: !!c.assignedPhysicianId,
      opinionSigned: false,
      followUpsRemaining: c.followUpsIncluded - c.followUpsUsed,
    };
  }
}
