import { Injectable } from '@nestjs/common';
import { localTime } from '@consilium/billing';
import { Clock, first, InvalidInput, msg, NotFound, one, rows } from '@consilium/core';
import { EntityManager } from 'typeorm';

export interface ConsultSlot {
  id: string;
  physicianId: string;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  /** Set when a patient holds it: the case's id and number (the physician's own list only). */
  booking?: { id: string; caseId: string; caseNumber: string };
}

export interface NewSlot {
  date: string;
  time: string;
  minutes: number;
  timeZone: string;
}

/** Is this a zone Intl knows (`Europe/Paris`)? */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.length > 0 && zone.length <= 64;
  } catch {
    return false;
  }
}

/**
 * The times a physician offers for video consults. A slot is typed as a wall-clock time in the physician's zone and
 * kept as an instant (with that zone, to show it back as typed). A slot a patient booked cannot be withdrawn: the
 * booking is cancelled first, which tells the patient.
 */
@Injectable()
export class ConsultSlots {
  constructor(private readonly clock: Clock) {}

  async publish(tx: EntityManager, tenantId: string, physicianId: string, slot: NewSlot): Promise<ConsultSlot> {
    if (!isTimeZone(slot.timeZone)) throw new InvalidInput({ time_zone: msg('consults.slots.zone') });
    const startsAt = localTime(`${slot.date}T${slot.time}`, slot.timeZone);
    if (!startsAt) throw new InvalidInput({ date: msg('consults.slots.whenInvalid') });
    if (startsAt.getTime() <= this.clock.now().getTime()) throw new InvalidInput({ date: msg('consults.slots.future') });
    const endsAt = new Date(startsAt.getTime() + slot.minutes * 60_000);
    const overlapping = await first(
      tx,
      `SELECT 1 FROM consult_slots WHERE physician_id = $1 AND withdrawn_at IS NULL AND starts_at < $3 AND ends_at > $2`,
      [physicianId, startsAt, endsAt],
    );
    if (overlapping) throw new InvalidInput({ date: msg('consults.slots.overlap') });
    const row = await one<SlotRow>(
      tx,
      `INSERT INTO consult_slots (tenant_id, physician_id, starts_at, ends_at, time_zone) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [tenantId, physicianId, startsAt, endsAt, slot.timeZone],
    );
    return toSlot(row);
  }

  async withdraw(tx: EntityManager, physicianId: string, slotId: string): Promise<void> {
    const slot = await first<SlotRow & { booked: boolean }>(
      tx,
      `SELECT s.*, EXISTS (SELECT 1 FROM consult_bookings b WHERE b.tenant_id = s.tenant_id AND b.slot_id = s.id AND b.status = 'booked') AS booked
         FROM consult_slots s WHERE s.id = $1 AND s.physician_id = $2 AND s.withdrawn_at IS NULL FOR UPDATE`,
      [slotId, physicianId],
    );
    if (!slot) throw new NotFound();
    if (slot.booked) throw new InvalidInput({ [`slot_${slotId}`]: msg('consults.slots.booked') });
    await tx.query(`UPDATE consult_slots SET withdrawn_at = now() WHERE id = $1`, [slotId]);
  }

  /** A physician's slots from now on, each with its booking. */
  async mine(tx: EntityManager, physicianId: string): Promise<ConsultSlot[]> {
    const found = await rows<SlotRow & { booking_id: string | null; case_id: string | null; case_number: string | null }>(
      tx,
      `SELECT s.*, b.id AS booking_id, b.case_id, c.number AS case_number
         FROM consult_slots s
         LEFT JOIN consult_bookings b ON b.tenant_id = s.tenant_id AND b.slot_id = s.id AND b.status = 'booked'
         LEFT JOIN cases c ON c.tenant_id = b.tenant_id AND c.id = b.case_id
        WHERE s.physician_id = $1 AND s.withdrawn_at IS NULL AND s.ends_at > $2
        ORDER BY s.starts_at`,
      [physicianId, this.clock.now()],
    );
    return found.map((r) => ({
      ...toSlot(r),
      booking: r.booking_id ? { id: r.booking_id, caseId: r.case_id!, caseNumber: r.case_number! } : undefined,
    }));
  }

  /** A physician's slots a patient may still take: in the future, not withdrawn, not booked. */
  async open(tx: EntityManager, physicianId: string): Promise<ConsultSlot[]> {
    const found = await rows<SlotRow>(
      tx,
      `SELECT s.* FROM consult_slots s
        WHERE s.physician_id = $1 AND s.withdrawn_at IS NULL AND s.starts_at > $2
          AND NOT EXISTS (SELECT 1 FROM consult_bookings b WHERE b.tenant_id = s.tenant_id AND b.slot_id = s.id AND b.status = 'booked')
        ORDER BY s.starts_at LIMIT 200`,
      [physicianId, this.clock.now()],
    );
    return found.map(toSlot);
  }

  /** One slot, locked for the booking that is about to take it; undefined when it cannot be taken. */
  async lockOpen(tx: EntityManager, slotId: string, physicianId: string): Promise<ConsultSlot | undefined> {
    const row = await first<SlotRow>(
      tx,
      `SELECT * FROM consult_slots WHERE id = $1 AND physician_id = $2 AND withdrawn_at IS NULL AND starts_at > $3 FOR UPDATE`,
      [slotId, physicianId, this.clock.now()],
    );
    return row ? toSlot(row) : undefined;
  }
}

type SlotRow = Record<string, unknown>;

function toSlot(r: SlotRow): ConsultSlot {
  return {
    id: r.id as string,
    physicianId: r.physician_id as string,
    startsAt: r.starts_at as Date,
    endsAt: r.ends_at as Date,
    timeZone: r.time_zone as string,
  };
}
