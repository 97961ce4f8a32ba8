import { Injectable } from '@nestjs/common';
import { CaseExtra, CaseExtras } from '@consilium/billing';
import { Case, CaseAccess } from '@consilium/cases';
import { Clock, declareErrors, first, InvalidInput, msg, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { ConsultInvitations, BookedConsult } from './consult-invitations';
import { ConsultSlot, ConsultSlots } from './consult-slots.service';

/** Consults' refusals: words at `consults.errors.<code>.message|hint`. */
export const ConsultsError = declareErrors('consults', { room_closed: 409 });

export interface ConsultBooking extends BookedConsult {
  status: 'booked' | 'cancelled';
  slotId: string;
  remindedSequence: number | null;
  meetingId: string | null;
  patientConsentsRecording: boolean;
  physicianConsentsRecording: boolean;
}

export type ConsultSide = 'patient' | 'physician' | 'interpreter';

/** How close to the start each side may still move or cancel a consult. */
const NOTICE_MS: Record<'patient' | 'physician', number> = { patient: 24 * 3600_000, physician: 3600_000 };

/**
 * A paid video consult booked on one of the case physician's slots. Only the patient books; either side moves or
 * cancels within its notice. A slot is taken once: its row is locked while it is taken, and a partial unique index
 * (one live booking per slot) backs that up, so two patients booking the same time at once get one booking.
 */
@Injectable()
export class ConsultBookings {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly extras: CaseExtras,
    private readonly slots: ConsultSlots,
    private readonly invitations: ConsultInvitations,
    private readonly context: RequestContext,
    private readonly clock: Clock,
  ) {}

  /** The case as the caller may see it, its paid consult, its live booking, and the times still open. */
  async forCase(
    caseId: string,
  ): Promise<{ c: Case; extra?: CaseExtra; booking?: ConsultBooking; open: ConsultSlot[]; side?: ConsultSide }> {
    return this.db.transaction(async (tx) => {
      const c = await this.caseFor(tx, caseId);
      const extra = await this.extras.openConsult(tx, c.id);
      const booking = await this.live(tx, c.id);
      const physicianId = booking?.physicianId ?? c.assignedPhysicianId;
      const open = extra && physicianId ? await this.slots.open(tx, physicianId) : [];
      return { c, extra, booking, open, side: this.sideOf(c, booking) };
    });
  }

  async book(caseId: string, slotId: string): Promise<ConsultBooking> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (this.sideOf(c, undefined) !== 'patient') throw new NotFound();
      const extra = await this.extras.openConsult(tx, c.id);
      if (!extra || extra.status !== 'paid' || !c.assignedPhysicianId) throw new InvalidInput({ slot_id: msg('consults.book.notPaid') });
      const slot = await this.slots.lockOpen(tx, slotId, c.assignedPhysicianId);
      if (!slot) throw new InvalidInput({ slot_id: msg('consults.book.taken') });
      const inserted = await first<BookingRow>(
        tx,
        `INSERT INTO consult_bookings (tenant_id, case_id, extra_id, slot_id, physician_id, patient_id)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
        [c.tenantId, c.id, extra.id, slot.id, slot.physicianId, c.patientId],
      );
      if (!inserted) throw new InvalidInput({ slot_id: msg('consults.book.taken') });
      await this.extras.schedule(tx, extra.id, slot.startsAt);
      const booking = (await this.lock(tx, inserted.id as string))!;
      await this.invitations.send(tx, booking, 'REQUEST');
      return booking;
    });
  }

  async reschedule(caseId: string, slotId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { booking } = await this.mine(tx, caseId);
      const slot = await this.slots.lockOpen(tx, slotId, booking.physicianId);
      const taken = slot && (await first(tx, `SELECT 1 FROM consult_bookings WHERE slot_id = $1 AND status = 'booked'`, [slot.id]));
      if (!slot || taken) throw new InvalidInput({ slot_id: msg('consults.book.taken') });
      await tx.query(`UPDATE consult_bookings SET slot_id = $2, sequence = sequence + 1, updated_at = now() WHERE id = $1`, [
        booking.id,
        slot.id,
      ]);
      await this.extras.schedule(tx, booking.extraId, slot.startsAt);
      await this.invitations.send(tx, (await this.lock(tx, booking.id))!, 'REQUEST');
    });
  }

  async cancel(caseId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { booking, side } = await this.mine(tx, caseId);
      await tx.query(
        `UPDATE consult_bookings SET status = 'cancelled', cancelled_by = $2, sequence = sequence + 1, updated_at = now() WHERE id = $1`,
        [booking.id, side],
      );
      await this.extras.unschedule(tx, booking.extraId);
      await this.invitations.send(tx, { ...booking, sequence: booking.sequence + 1 }, 'CANCEL');
    });
  }

  /** A coordinator books an interpreter (a translator of the hospital) on the live consult, or removes them. */
  async setInterpreter(caseId: string, interpreterId: string | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const booking = await this.live(tx, c.id);
      if (!booking) throw new NotFound();
      if (interpreterId) {
        const translator = await first(
          tx,
          `SELECT 1 FROM staff_roles r JOIN accounts a ON a.tenant_id = r.tenant_id AND a.id = r.account_id
            WHERE r.account_id = $1 AND r.role = 'translator' AND a.disabled_at IS NULL`,
          [interpreterId],
        );
        if (!translator) throw new InvalidInput({ interpreter_id: msg('consults.page.interpreterUnknown') });
      }
      await tx.query('UPDATE consult_bookings SET interpreter_id = $2, updated_at = now() WHERE id = $1', [booking.id, interpreterId]);
    });
  }

  /** The hospital's translators, who may interpret a consult (the coordinator's choice). */
  async interpreters(tx: EntityManager): Promise<{ id: string; name: string }[]> {
    return tx.query(
      `SELECT a.id, a.name FROM accounts a JOIN staff_roles r ON r.tenant_id = a.tenant_id AND r.account_id = a.id
        WHERE r.role = 'translator' AND a.disabled_at IS NULL ORDER BY a.name`,
    );
  }

  /** The live booking of a case the caller may see; its slot's times. Locked, for a change. */
  async lock(tx: EntityManager, bookingId: string): Promise<(ConsultBooking & { extraId: string }) | undefined> {
    const row = await first<BookingRow>(
      tx,
      `SELECT b.*, s.starts_at, s.ends_at FROM consult_bookings b JOIN consult_slots s ON s.tenant_id = b.tenant_id AND s.id = b.slot_id
        WHERE b.id = $1 FOR UPDATE OF b`,
      [bookingId],
    );
    return row ? toBooking(row) : undefined;
  }

  async live(tx: EntityManager, caseId: string): Promise<(ConsultBooking & { extraId: string }) | undefined> {
    const row = await first<{ id: string }>(tx, `SELECT id FROM consult_bookings WHERE case_id = $1 AND status = 'booked'`, [caseId]);
    return row ? this.lock(tx, row.id) : undefined;
  }

  /**
   * The case of a consult the caller may see: as CaseAccess answers, or as the interpreter booked on its live consult
   * (who sees the consult's page and room, nothing else of the case).
   */
  async caseFor(tx: EntityManager, caseId: string): Promise<Case> {
    try {
      return await this.access.caseFor(tx, caseId);
    } catch (error) {
      const actor = this.context.actor();
      if (!(error instanceof NotFound) || actor?.kind !== 'staff') throw error;
      const interpreting = await first(
        tx,
        `SELECT 1 FROM consult_bookings WHERE case_id = $1 AND interpreter_id = $2 AND status = 'booked'`,
        [caseId, actor.id],
      );
      const c = interpreting ? await tx.findOneBy(Case, { id: caseId }) : null;
      if (!c) throw error;
      return c;
    }
  }

  /** Which party the caller is on this consult, if any: the patient, the booked physician, or the interpreter. */
  sideOf(c: Case, booking: ConsultBooking | undefined): ConsultSide | undefined {
    const actor = this.context.actor();
    if (!actor) return undefined;
    if (actor.kind === 'patient' && actor.id === c.patientId) return 'patient';
    if (actor.kind !== 'staff') return undefined;
    const physicianId = booking?.physicianId ?? c.assignedPhysicianId;
    if (actor.id === physicianId && actor.roles.includes('physician')) return 'physician';
    if (booking?.interpreterId && actor.id === booking.interpreterId) return 'interpreter';
    return undefined;
  }

  /** The booking the caller may change now: theirs (patient or physician), and far enough from its start. */
  private async mine(tx: EntityManager, caseId: string) {
    const c = await this.access.caseFor(tx, caseId);
    const booking = await this.live(tx, c.id);
    const side = this.sideOf(c, booking);
    if (!booking || (side !== 'patient' && side !== 'physician')) throw new NotFound();
    if (booking.startsAt.getTime() - this.clock.now().getTime() < NOTICE_MS[side]) {
      throw new InvalidInput({ slot_id: msg('consults.book.tooLate', { side }) });
    }
    return { c, booking, side };
  }
}

type BookingRow = Record<string, unknown>;

function toBooking(r: BookingRow): ConsultBooking & { extraId: string } {
  return {
    tenantId: r.tenant_id as string,
    id: r.id as string,
    caseId: r.case_id as string,
    extraId: r.extra_id as string,
    slotId: r.slot_id as string,
    patientId: r.patient_id as string,
    physicianId: r.physician_id as string,
    interpreterId: (r.interpreter_id as string | null) ?? null,
    status: r.status as 'booked' | 'cancelled',
    sequence: r.sequence as number,
    remindedSequence: (r.reminded_sequence as number | null) ?? null,
    meetingId: (r.meeting_id as string | null) ?? null,
    patientConsentsRecording: r.patient_consents_recording as boolean,
    physicianConsentsRecording: r.physician_consents_recording as boolean,
    startsAt: r.starts_at as Date,
    endsAt: r.ends_at as Date,
  };
}
