import { Inject, Injectable } from '@nestjs/common';
import { Clock, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { ConsultBooking, ConsultBookings, ConsultsError, ConsultSide } from './consult-bookings.service';
import { RoomPass, VideoRooms } from './video-rooms';

export const VIDEO_ROOMS = Symbol('VIDEO_ROOMS');

/** The room opens this long before the start and closes this long after the end. */
const OPENS_BEFORE_MS = 15 * 60_000;
const CLOSES_AFTER_MS = 30 * 60_000;

/**
 * Joining a consult's video room: only its two parties (and its interpreter), only around its time. Anyone else who
 * can see the case, a coordinator included, gets the same 404 as a stranger; the controller audits every attempt.
 * Nothing is recorded unless both parties said yes (`recordingAllowed`); each consent is an audited change.
 */
@Injectable()
export class ConsultRoom {
  constructor(
    private readonly db: TenantDatabase,
    private readonly bookings: ConsultBookings,
    @Inject(VIDEO_ROOMS) private readonly rooms: VideoRooms,
    private readonly context: RequestContext,
    private readonly clock: Clock,
  ) {}

  async join(caseId: string): Promise<{ pass: RoomPass; booking: ConsultBooking; side: ConsultSide; recordingAllowed: boolean }> {
    const { booking, side } = await this.party(caseId);
    const now = this.clock.now().getTime();
    if (now < booking.startsAt.getTime() - OPENS_BEFORE_MS || now > booking.endsAt.getTime() + CLOSES_AFTER_MS) {
      throw new ConsultsError('room_closed');
    }
    const meeting = await this.rooms.meetingFor(booking.id, booking.meetingId);
    if (meeting.meetingId !== booking.meetingId) {
      await this.db.transaction((tx) =>
        tx.query('UPDATE consult_bookings SET meeting_id = $2 WHERE id = $1', [booking.id, meeting.meetingId]),
      );
    }
    const pass = await this.rooms.join(meeting, this.context.actor()!.id);
    return { pass, booking, side, recordingAllowed: booking.patientConsentsRecording && booking.physicianConsentsRecording };
  }

  async leave(caseId: string, attendeeId: string): Promise<void> {
    const { booking } = await this.party(caseId);
    if (booking.meetingId) await this.rooms.leave(booking.meetingId, attendeeId);
  }

  /** The caller's yes (or no) to recording this consult. An interpreter has no say: the two parties decide. */
  async consent(caseId: string, yes: boolean): Promise<void> {
    const { booking, side } = await this.party(caseId);
    if (side === 'interpreter') throw new NotFound();
    const column = side === 'patient' ? 'patient_consents_recording' : 'physician_consents_recording';
    await this.db.transaction((tx) =>
      tx.query(`UPDATE consult_bookings SET ${column} = $2, updated_at = now() WHERE id = $1`, [booking.id, yes]),
    );
  }

  get provider(): 'chime' | 'demo' {
    return this.rooms.name;
  }

  private async party(caseId: string): Promise<{ booking: ConsultBooking; side: ConsultSide }> {
    return this.db.transaction(async (tx) => {
      const c = await this.bookings.caseFor(tx, caseId);
      const booking = await this.bookings.live(tx, c.id);
      const side = booking && this.bookings.sideOf(c, booking);
      if (!booking || !side) throw new NotFound();
      return { booking, side };
    });
  }
}
