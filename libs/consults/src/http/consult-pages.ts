import { Injectable } from '@nestjs/common';
import { FormPresenter, intlLocale, RefusedForm, RequestContext, TenantDatabase } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { ConsultBookings } from '../consult-bookings.service';
import { ConsultSlot, ConsultSlots, isTimeZone } from '../consult-slots.service';

/** A moment as a person reads it, in the zone they chose and their language. */
export function when(at: Date, timeZone: string, locale: string): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'full', timeStyle: 'short', timeZone }).format(at);
}

/**
 * A consult's page on a case, for its patient (/account) and its physician (/console): the booking and its room,
 * or the physician's open times to book, shown in the reader's time zone (`?tz=`, chosen on the page; the
 * hospital's by default).
 */
@Injectable()
export class ConsultPage implements FormPresenter {
  constructor(
    private readonly bookings: ConsultBookings,
    private readonly context: RequestContext,
    private readonly db: TenantDatabase,
  ) {}

  async show(caseId: string, tz?: string, base = '/account'): Promise<Record<string, unknown>> {
    const { c, extra, booking, open, side } = await this.bookings.forCase(caseId);
    const actor = this.context.actor();
    const coordinates = base !== '/account' && !!booking && !!actor?.roles.some((r) => r === 'coordinator' || r === 'admin');
    const interpreters = coordinates ? await this.db.transaction((tx) => this.bookings.interpreters(tx)) : [];
    const locale = this.context.locale();
    const zone = tz && isTimeZone(tz) ? tz : this.context.tenant<ResolvedTenant>().timeZone;
    const fmt = (s: { startsAt: Date }) => when(s.startsAt, zone, locale);
    const mayChange = side === 'patient' || side === 'physician';
    return {
      c: { id: c.id, number: c.number },
      here: base === '/account' ? `/account/cases/${c.id}/consult` : `/console/consults/cases/${c.id}`,
      back: base === '/account' ? `/account/cases/${c.id}` : `/console/reviews/${c.id}`,
      zone,
      zones: Intl.supportedValuesOf('timeZone').map((z) => ({ value: z, selected: z === zone })),
      paid: !!extra,
      booking: booking && { ...booking, when: fmt(booking) },
      side,
      mayJoin: !!side,
      mayChange: !!booking && mayChange,
      mayBook: !booking && side === 'patient' && !!extra,
      open: mayChange ? open.map((s: ConsultSlot) => ({ id: s.id, when: fmt(s) })) : [],
      interpreters: interpreters.map((i) => ({ ...i, selected: i.id === booking?.interpreterId })),
      mayAssign: coordinates,
      recording: booking ? { patient: booking.patientConsentsRecording, physician: booking.physicianConsentsRecording } : undefined,
    };
  }

  refused({ params, query, action }: RefusedForm): Promise<Record<string, unknown>> {
    return this.show(params.id, query.tz, action.startsWith('/console') ? '/console/consults' : '/account');
  }
}

/** The physician's times: publish one, withdraw one not booked, see who booked which. */
@Injectable()
export class ConsoleSlotsPage implements FormPresenter {
  constructor(
    private readonly slots: ConsultSlots,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async show(): Promise<Record<string, unknown>> {
    const mine = await this.db.transaction((tx) => this.slots.mine(tx, this.context.actor()!.id));
    const tenantZone = this.context.tenant<ResolvedTenant>().timeZone;
    const zone = mine.at(-1)?.timeZone ?? tenantZone;
    const locale = this.context.locale();
    return {
      zone,
      zones: Intl.supportedValuesOf('timeZone').map((z) => ({ value: z, selected: z === zone })),
      slots: mine.map((s) => ({
        ...s,
        when: when(s.startsAt, s.timeZone, locale),
        minutes: (s.endsAt.getTime() - s.startsAt.getTime()) / 60_000,
      })),
      values: { minutes: '30', time_zone: zone },
    };
  }

  async refused({ values }: RefusedForm): Promise<Record<string, unknown>> {
    return { ...(await this.show()), values };
  }
}
