import { Injectable } from '@nestjs/common';
import { Case, CaseAccess, CasePipeline } from '@consilium/cases';
import { Offering } from '@consilium/catalog';
import { first, InvalidInput, msg, NotFound, one, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { PaymentsService } from '../payments.service';

export type ExtraKind = 'follow_up' | 'video_consult';
export const EXTRA_KINDS: readonly ExtraKind[] = ['follow_up', 'video_consult'];

export interface CaseExtra {
  id: string;
  caseId: string;
  kind: ExtraKind;
  currency: string;
  priceMinor: number;
  status: 'awaiting_payment' | 'paid' | 'scheduled' | 'done' | 'abandoned';
  scheduledFor: Date | null;
  createdAt: Date;
  paidAt: Date | null;
}

export interface ExtraOffer {
  kind: ExtraKind;
  currency: string;
  priceMinor: number;
}

/**
 * What a patient can buy after their opinion is delivered, at the offering's prices: one more follow-up question
 * when the included ones are used, and a video consult with the specialist (one open at a time). Each purchase is a
 * case extra with its own payment; staff schedule the video consults.
 */
@Injectable()
export class CaseExtras {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly payments: PaymentsService,
    private readonly context: RequestContext,
  ) {}

  /** The case (as the caller may see it), its extras, and what can be bought now. */
  async forCase(caseId: string): Promise<{ c: Case; extras: CaseExtra[]; offers: ExtraOffer[] }> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const extras = await this.list(tx, c.id);
      return { c, extras, offers: await this.offers(tx, c, extras) };
    });
  }

  /** The patient buys an extra: a row awaiting payment, then the provider's checkout. Returns where to go. */
  async buy(caseId: string, kind: string): Promise<string> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (this.context.actor()?.kind !== 'patient' || c.patientId !== this.context.actor()!.id) throw new NotFound();
      await this.pipeline.lock(tx, c);
      const extras = await this.list(tx, c.id);
      const offer = (await this.offers(tx, c, extras)).find((o) => o.kind === kind);
      if (!offer) throw new InvalidInput({ kind: msg('payments.extras.unavailable') });
      // An unpaid attempt of the same kind is resumed rather than doubled.
      const pending = extras.find((e) => e.kind === offer.kind && e.status === 'awaiting_payment');
      const extra = pending ?? (await this.create(tx, c, offer));
      const start = await this.payments.startExtraCheckout(tx, {
        id: extra.id,
        caseId: c.id,
        currency: extra.currency,
        priceMinor: extra.priceMinor,
      });
      return start.redirectUrl;
    });
  }

  /** Paid video consults, to schedule or already scheduled, oldest first (staff console). */
  async toSchedule(tx: EntityManager): Promise<(CaseExtra & { caseNumber: string })[]> {
    const extras = await rows<ExtraRow & { case_number: string }>(
      tx,
      `SELECT e.*, c.number AS case_number FROM case_extras e JOIN cases c ON c.tenant_id = e.tenant_id AND c.id = e.case_id
        WHERE e.kind = 'video_consult' AND e.status IN ('paid', 'scheduled') ORDER BY e.paid_at`,
    );
    return extras.map((r) => ({ ...toExtra(r), caseNumber: r.case_number }));
  }

  async schedule(tx: EntityManager, extraId: string, at: Date): Promise<void> {
    const extra = await this.one(tx, extraId);
    if (extra.kind !== 'video_consult' || !['paid', 'scheduled'].includes(extra.status))
      throw new InvalidInput({ scheduled_for: msg('payments.extras.onlyPaid') });
    if (at.getTime() < Date.now() - 60_000) throw new InvalidInput({ scheduled_for: msg('payments.extras.future') });
    await tx.query(`UPDATE case_extras SET status = 'scheduled', scheduled_for = $2 WHERE id = $1`, [extraId, at]);
  }

  /** The case's paid video consult, booked or not yet (consults' port): at most one is open at a time. */
  async openConsult(tx: EntityManager, caseId: string): Promise<CaseExtra | undefined> {
    return (await this.list(tx, caseId)).find((e) => e.kind === 'video_consult' && (e.status === 'paid' || e.status === 'scheduled'));
  }

  /** A booked consult was cancelled: the patient may book another time for what they paid. */
  async unschedule(tx: EntityManager, extraId: string): Promise<void> {
    await tx.query(`UPDATE case_extras SET status = 'paid', scheduled_for = NULL WHERE id = $1 AND status = 'scheduled'`, [extraId]);
  }

  async markDone(tx: EntityManager, extraId: string): Promise<void> {
    const extra = await this.one(tx, extraId);
    if (extra.status !== 'scheduled') throw new InvalidInput({ done: msg('payments.extras.scheduleFirst') });
    await tx.query(`UPDATE case_extras SET status = 'done', done_at = now() WHERE id = $1`, [extraId]);
  }

  private async one(tx: EntityManager, extraId: string): Promise<CaseExtra> {
    const row = await first<ExtraRow>(tx, 'SELECT * FROM case_extras WHERE id = $1', [extraId]);
    if (!row) throw new NotFound();
    return toExtra(row);
  }

  private async list(tx: EntityManager, caseId: string): Promise<CaseExtra[]> {
    return (await rows<ExtraRow>(tx, 'SELECT * FROM case_extras WHERE case_id = $1 ORDER BY created_at', [caseId])).map(toExtra);
  }

  private async offers(tx: EntityManager, c: Case, extras: CaseExtra[]): Promise<ExtraOffer[]> {
    if (!c.offeringId) return [];
    const offering = await tx.findOneBy(Offering, { tenantId: c.tenantId, id: c.offeringId });
    if (!offering) return [];
    const offers: ExtraOffer[] = [];
    if (offering.extraFollowUpPriceMinor !== null && c.state === 'delivered' && c.followUpsUsed >= c.followUpsIncluded) {
      offers.push({ kind: 'follow_up', currency: offering.currency, priceMinor: offering.extraFollowUpPriceMinor });
    }
    const openConsult = extras.some((e) => e.kind === 'video_consult' && (e.status === 'paid' || e.status === 'scheduled'));
    if (offering.videoConsultPriceMinor !== null && ['delivered', 'follow_up', 'closed'].includes(c.state) && !openConsult) {
      offers.push({ kind: 'video_consult', currency: offering.currency, priceMinor: offering.videoConsultPriceMinor });
    }
    return offers;
  }

  private async create(tx: EntityManager, c: Case, offer: ExtraOffer): Promise<CaseExtra> {
    const row = await one<ExtraRow>(
      tx,
      `INSERT INTO case_extras (tenant_id, case_id, kind, currency, price_minor) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [c.tenantId, c.id, offer.kind, offer.currency, offer.priceMinor],
    );
    return toExtra(row);
  }
}

/** A `case_extras` row as PostgreSQL gives it; toExtra reads its columns. */
type ExtraRow = Record<string, unknown>;

function toExtra(r: ExtraRow): CaseExtra {
  return {
    id: r.id as string,
    caseId: r.case_id as string,
    kind: r.kind as ExtraKind,
    currency: r.currency as string,
    priceMinor: r.price_minor as number,
    status: r.status as CaseExtra['status'],
    scheduledFor: (r.scheduled_for as Date | null) ?? null,
    createdAt: r.created_at as Date,
    paidAt: (r.paid_at as Date | null) ?? null,
  };
}
