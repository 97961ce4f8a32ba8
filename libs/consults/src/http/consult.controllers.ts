import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  field,
  Form,
  FormBody,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
  TenantDatabase,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { ConsultBookings } from '../consult-bookings.service';
import { ConsultRoom } from '../consult-room.service';
import { ConsultSlots, isTimeZone } from '../consult-slots.service';
import { ConsoleSlotsPage, ConsultPage } from './consult-pages';

const slotChoice = z.object({ slot_id: z.uuid({ error: 'consults.book.choose' }), tz: field.text({ max: 64, optional: true }) });

/** The page again, in the zone the reader chose (`?tz=`), when it is one. */
const inZone = (path: string, tz: string | undefined, extra = '') => {
  const query = [tz && isTimeZone(tz) ? `tz=${encodeURIComponent(tz)}` : '', extra].filter(Boolean).join('&');
  return query ? `${path}?${query}` : path;
};
const leaveForm = z.object({ attendee_id: field.text({ max: 64, required: 'consults.room.leave' }) });
const interpreterForm = z.object({ interpreter_id: z.union([z.literal(''), z.uuid({ error: 'consults.page.interpreterUnknown' })]) });
const consentForm = z.object({ consent: field.checkbox() });
const publishForm = z.object({
  date: field.text({ max: 10, required: 'consults.slots.whenInvalid' }),
  time: field.text({ max: 5, required: 'consults.slots.whenInvalid' }),
  minutes: field.whole(15, 120, { message: 'consults.slots.minutes' }),
  time_zone: field.text({ max: 64, required: 'consults.slots.zone' }),
});

const PAGE = 'consults/consult';
const ROOM = 'consults/room';

/**
 * The same consult, two doors: the patient's from their case page (/account/cases/:id/consult) and the physician's
 * from the review workspace (/console/consults/cases/:id). Every join, leave and consent is audited, refusals too.
 */
abstract class ConsultRoutes {
  constructor(
    protected readonly bookings: ConsultBookings,
    protected readonly room: ConsultRoom,
    protected readonly page: ConsultPage,
  ) {}

  protected abstract readonly base: string;

  protected here(id: string): string {
    return this.base === '/account' ? `/account/cases/${id}/consult` : `/console/consults/cases/${id}`;
  }
}

@Controller('account/cases/:id/consult')
@TenantSite()
export class PortalConsultController extends ConsultRoutes {
  protected readonly base = '/account';

  constructor(bookings: ConsultBookings, room: ConsultRoom, page: ConsultPage) {
    super(bookings, room, page);
  }

  @Can('portal.access')
  @Get()
  @Page(PAGE, { title: 'consults.page.title' })
  show(@Param('id', ParseUUIDPipe) id: string, @Query('tz') tz?: string) {
    return this.page.show(id, tz, this.base);
  }

  @Can('portal.access')
  @Audited({ action: 'consult.book', entityType: 'case', param: 'id' })
  @Post('book')
  @Form(PAGE, { presenter: ConsultPage, title: 'consults.page.title' })
  async book(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(slotChoice, body);
    await this.bookings.book(id, form.slot_id);
    return redirect(inZone(this.here(id), form.tz, 'booked=1'));
  }

  @Can('portal.access')
  @Audited({ action: 'consult.reschedule', entityType: 'case', param: 'id' })
  @Post('reschedule')
  @Form(PAGE, { presenter: ConsultPage, title: 'consults.page.title' })
  async reschedule(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(slotChoice, body);
    await this.bookings.reschedule(id, form.slot_id);
    return redirect(inZone(this.here(id), form.tz));
  }

  @Can('portal.access')
  @Audited({ action: 'consult.cancel', entityType: 'case', param: 'id' })
  @Post('cancel')
  @Form(PAGE, { presenter: ConsultPage, title: 'consults.page.title' })
  async cancel(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    await this.bookings.cancel(id);
    return redirect(this.here(id));
  }

  @Can('portal.access')
  @Audited({ action: 'consult.join', entityType: 'case', param: 'id' })
  @Post('join')
  @Page(ROOM, { title: 'consults.room.title' })
  async join(@Param('id', ParseUUIDPipe) id: string) {
    return { ...(await this.room.join(id)), back: this.here(id), caseId: id };
  }

  @Can('portal.access')
  @Audited({ action: 'consult.leave', entityType: 'case', param: 'id' })
  @Post('leave')
  async leave(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.room.leave(id, parseForm(leaveForm, body).attendee_id);
    return redirect(`${this.here(id)}?left=1`);
  }

  @Can('portal.access')
  @Audited({ action: 'consult.recording_consent', entityType: 'case', param: 'id' })
  @Post('consent')
  async consent(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.room.consent(id, parseForm(consentForm, body).consent);
    return redirect(this.here(id));
  }
}

@Controller('console/consults')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleConsultController extends ConsultRoutes {
  protected readonly base = '/console/consults';

  constructor(
    bookings: ConsultBookings,
    room: ConsultRoom,
    page: ConsultPage,
    private readonly slots: ConsultSlots,
    private readonly slotsPage: ConsoleSlotsPage,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {
    super(bookings, room, page);
  }

  @Can('cases.review')
  @Get()
  @Page('consults/slots', { title: 'consults.slots.title' })
  list() {
    return this.slotsPage.show();
  }

  @Can('cases.review')
  @Audited({ action: 'consult.slot_publish', entityType: 'consult_slot' })
  @Post('slots')
  @Form('consults/slots', { presenter: ConsoleSlotsPage, title: 'consults.slots.title' })
  async publish(@Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(publishForm, body);
    const tenant = this.context.tenant<ResolvedTenant>();
    await this.db.transaction((tx) =>
      this.slots.publish(tx, tenant.id, this.context.actor()!.id, {
        date: form.date,
        time: form.time,
        minutes: form.minutes,
        timeZone: form.time_zone,
      }),
    );
    return redirect('/console/consults?published=1');
  }

  @Can('cases.review')
  @Audited({ action: 'consult.slot_withdraw', entityType: 'consult_slot', param: 'slotId' })
  @Post('slots/:slotId/withdraw')
  @Form('consults/slots', { presenter: ConsoleSlotsPage, title: 'consults.slots.title' })
  async withdraw(@Param('slotId', ParseUUIDPipe) slotId: string): Promise<Redirect> {
    await this.db.transaction((tx) => this.slots.withdraw(tx, this.context.actor()!.id, slotId));
    return redirect('/console/consults');
  }

  @Can('console.access')
  @Get('cases/:id')
  @Page(PAGE, { title: 'consults.page.title' })
  show(@Param('id', ParseUUIDPipe) id: string, @Query('tz') tz?: string) {
    return this.page.show(id, tz, this.base);
  }

  @Can('console.access')
  @Audited({ action: 'consult.reschedule', entityType: 'case', param: 'id' })
  @Post('cases/:id/reschedule')
  @Form(PAGE, { presenter: ConsultPage, title: 'consults.page.title' })
  async reschedule(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(slotChoice, body);
    await this.bookings.reschedule(id, form.slot_id);
    return redirect(inZone(this.here(id), form.tz));
  }

  @Can('console.access')
  @Audited({ action: 'consult.cancel', entityType: 'case', param: 'id' })
  @Post('cases/:id/cancel')
  @Form(PAGE, { presenter: ConsultPage, title: 'consults.page.title' })
  async cancel(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    await this.bookings.cancel(id);
    return redirect(this.here(id));
  }

  @Can('cases.triage')
  @Audited({ action: 'consult.interpreter', entityType: 'case', param: 'id' })
  @Post('cases/:id/interpreter')
  @Form(PAGE, { presenter: ConsultPage, title: 'consults.page.title' })
  async interpreter(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.bookings.setInterpreter(id, parseForm(interpreterForm, body).interpreter_id || null);
    return redirect(this.here(id));
  }

  @Can('console.access')
  @Audited({ action: 'consult.join', entityType: 'case', param: 'id' })
  @Post('cases/:id/join')
  @Page(ROOM, { title: 'consults.room.title' })
  async join(@Param('id', ParseUUIDPipe) id: string) {
    return { ...(await this.room.join(id)), back: this.here(id), caseId: id };
  }

  @Can('console.access')
  @Audited({ action: 'consult.leave', entityType: 'case', param: 'id' })
  @Post('cases/:id/leave')
  async leave(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.room.leave(id, parseForm(leaveForm, body).attendee_id);
    return redirect(`${this.here(id)}?left=1`);
  }

  @Can('console.access')
  @Audited({ action: 'consult.recording_consent', entityType: 'case', param: 'id' })
  @Post('cases/:id/consent')
  async consent(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.room.consent(id, parseForm(consentForm, body).consent);
    return redirect(this.here(id));
  }
}
