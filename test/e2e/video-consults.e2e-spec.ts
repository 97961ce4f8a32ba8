import { FollowUps } from '@consilium/cases';
import { Clock, TenantDatabase, Translator } from '@consilium/core';
import { ConsultBookings, ConsultReminders } from '@consilium/consults';
import { AccountMail, hashPassword } from '@consilium/identity';
import { JobRunner } from '@consilium/jobs';
import { parseEml } from '@consilium/notifications';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import ICAL from 'ical.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { actAs, asPatient, asStaff, createTestCase, TestCase } from '../support/cases';
import { ChimeMeetingsStandIn } from '../support/chime-meetings-stand-in';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { waitForIdleQueues } from '../support/job-queues';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { tempDir } from '../support/temp-dirs';
import { createTestApp } from '../support/test-app';
import { createTestTranslator, createTwoHospitals, TEST_PASSWORD, TestHospital, TestPerson } from '../support/tenants';
import { WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/**
 * Paid video consults: a physician publishes times, the patient books one after paying, both get calendar
 * invitations and a reminder, and at the time both join a room of Amazon Chime SDK meetings (a local stand-in of
 * its REST API, the real service being outside our walls). Nobody else joins, and hospital B sees nothing.
 */
describe('video consults', () => {
  const outbox = tempDir('consult-outbox');
  const chime = new ChimeMeetingsStandIn();
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;

  beforeAll(async () => {
    await chime.start();
    // The SDK signs every request; the stand-in checks the signature's scope, not the key (a test key).
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
      AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    // Its own database: this suite runs the job runner (invitations, reminders), which would take other suites' jobs.
    db = await isolatedDatabase('video-consults');
    app = await createTestApp(
      {
        ...db.env,
        EMAIL_OUTBOX_DIR: outbox.dir,
        JOBS_POLL_SECONDS: '0.5',
        VIDEO_PROVIDER: 'chime',
        CHIME_REGION: 'us-east-1',
        CHIME_ENDPOINT: chime.url,
      },
      { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
      { domains: true },
    );
    ({ a, b } = await createTwoHospitals(app, { a: { locales: LOCALES, default_locale: 'en' } }));
    for (const h of [a, b]) {
      await app
        .get(TenantDatabase)
        .forTenant(h.id, (tx) => tx.query('UPDATE offerings SET video_consult_price_minor = 25000 WHERE tenant_id = $1', [h.id]));
    }
    await app.get(JobRunner).start();
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    await chime.stop();
    outbox.remove();
  });

  /** A delivered case of hospital A whose patient paid for a video consult (through the product's checkout). */
  async function paidConsult(patient: TestPerson = a.people.patient): Promise<{ c: TestCase; client: WebClient }> {
    const c = await createTestCase(app, a, { state: 'follow_up', patient });
    await actAs(app, a, asStaff(a.people.physician, 'physician'), async () => {
      const [asked] = await app.get(FollowUps).list(c.id);
      await app.get(FollowUps).answer(c.id, asked.id, 'No need to repeat it.');
    });
    const client = new WebClient(app, a.host);
    await signInPatient(client, patient);
    await client.get(`/account/cases/${c.id}/extras`);
    const bought = await client.post(`/account/cases/${c.id}/extras`, { kind: 'video_consult' });
    const checkout = new URL(bought.location!).pathname;
    await client.get(checkout);
    expect((await client.post(`${checkout}/authorize`)).status).toBe(303);
    return { c, client };
  }

  /**
   * A slot of hospital A's physician, `minutesFromNow` ahead by the app's Clock (which staff sign-ins move on, see
   * freshCode), typed as they would in New York.
   */
  async function publish(physician: WebClient, minutesFromNow: number, minutes = 30): Promise<string> {
    const at = new Date(app.get(Clock).now().getTime() + minutesFromNow * 60_000);
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(at)
        .map((p) => [p.type, p.value]),
    );
    await physician.get('/console/consults');
    const res = await physician.post('/console/consults/slots', {
      date: `${parts.year}-${parts.month}-${parts.day}`,
      time: `${parts.hour}:${parts.minute}`,
      minutes: String(minutes),
      time_zone: 'America/New_York',
    });
    expect(res.status).toBe(303);
    const [slot] = await operatorQuery<{ id: string }>(
      app,
      `SELECT id FROM consult_slots WHERE tenant_id = $1 AND withdrawn_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [a.id],
    );
    return slot.id;
  }

  async function anotherPatient(h: TestHospital): Promise<TestPerson> {
    const hash = await hashPassword(TEST_PASSWORD);
    const email = `other.${h.slug}.${Date.now()}@example.org`;
    const [row] = await app
      .get(TenantDatabase)
      .forTenant(h.id, (tx) =>
        tx.query(
          `INSERT INTO accounts (tenant_id, kind, email, name, password_hash, email_verified_at) VALUES ($1, 'patient', $2, 'Other patient', $3, now()) RETURNING id`,
          [h.id, email, hash],
        ),
      );
    return { id: row.id, email };
  }

  function invitations(consultId: string): { method: string; sequence: number; uid: string; start: string; to: string; text: string }[] {
    return readdirSync(outbox.dir)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => parseEml(readFileSync(path.join(outbox.dir, f), 'utf8')))
      .filter((m) => m.calendar?.includes(`consult-${consultId}@`))
      .map((m) => {
        const cal = new ICAL.Component(ICAL.parse(m.calendar!));
        const event = new ICAL.Event(cal.getFirstSubcomponent('vevent')!);
        return {
          method: String(cal.getFirstPropertyValue('method')),
          sequence: event.sequence,
          uid: event.uid,
          start: event.startDate.toJSDate().toISOString(),
          to: m.headers.to,
          text: `${m.headers.subject}\n${m.text}\n${m.calendar}`,
        };
      })
      .sort((x, y) => x.sequence - y.sequence || x.to.localeCompare(y.to));
  }

  it('lets the physician publish times, refusing bad ones beside the field, and the patient book one in their own zone', async () => {
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    await physician.get('/console/consults');
    const bad = await physician.post('/console/consults/slots', {
      date: 'tomorrow',
      time: '25:00',
      minutes: '30',
      time_zone: 'America/New_York',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a date (2027-01-15) and a time (14:30).');
    expect(bad.text).toContain('value="tomorrow"');
    const slotId = await publish(physician, 3 * 24 * 60);
    expect((await physician.get('/console/consults')).text).toContain('America/New_York');

    const { c, client } = await paidConsult();
    const page = await client.get(`/account/cases/${c.id}/consult?tz=Europe/Paris`);
    expect(page.text).toContain(`value="${slotId}"`);
    expect(page.text).toContain('Europe/Paris');
    const booked = await client.post(`/account/cases/${c.id}/consult/book`, { slot_id: slotId });
    expect(booked.status).toBe(303);
    const [extra] = await operatorQuery<{ status: string }>(app, `SELECT status FROM case_extras WHERE case_id = $1`, [c.id]);
    expect(extra.status).toBe('scheduled');
    expect((await client.get(`/account/cases/${c.id}/consult`)).text).toContain('Your consult is booked');
  });

  it('books a slot once when two patients press Book at the same moment', async () => {
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    const slotId = await publish(physician, 4 * 24 * 60);
    const other = await anotherPatient(a);
    // One after the other: making a case signs an opinion with the physician's one-time code.
    const one = await paidConsult();
    const two = await paidConsult(other);
    const attempts = await Promise.allSettled([
      actAs(app, a, asPatient(a.people.patient), () => app.get(ConsultBookings).book(one.c.id, slotId)),
      actAs(app, a, asPatient(other), () => app.get(ConsultBookings).book(two.c.id, slotId)),
    ]);
    expect(attempts.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(attempts.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(
      await operatorQuery(app, `SELECT count(*)::int AS n FROM consult_bookings WHERE slot_id = $1 AND status = 'booked'`, [slotId]),
    ).toEqual([{ n: 1 }]);
    // The one who lost sees why, beside the list of times.
    const loser = attempts[0].status === 'rejected' ? one : two;
    await loser.client.get(`/account/cases/${loser.c.id}/consult`);
    const refused = await loser.client.post(`/account/cases/${loser.c.id}/consult/book`, { slot_id: slotId });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Someone has just taken this time.');
  });

  it('sends both parties .ics invitations (REQUEST, then an update, then CANCEL) and one reminder, with no health information', async () => {
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    const first = await publish(physician, 5 * 24 * 60);
    const second = await publish(physician, 6 * 24 * 60);
    const { c, client } = await paidConsult();
    await client.get(`/account/cases/${c.id}/consult`);
    await client.post(`/account/cases/${c.id}/consult/book`, { slot_id: first });
    const [booking] = await operatorQuery<{ id: string }>(app, `SELECT id FROM consult_bookings WHERE case_id = $1`, [c.id]);
    await client.get(`/account/cases/${c.id}/consult`);
    expect((await client.post(`/account/cases/${c.id}/consult/reschedule`, { slot_id: second })).status).toBe(303);
    // The physician cancels; the patient may then book another time for what they paid.
    await physician.get(`/console/consults/cases/${c.id}`);
    expect((await physician.post(`/console/consults/cases/${c.id}/cancel`)).status).toBe(303);
    await waitForIdleQueues(app);

    const sent = invitations(booking.id);
    const [slotOne, slotTwo] = await operatorQuery<{ starts_at: Date }>(
      app,
      `SELECT starts_at FROM consult_slots WHERE id = ANY($1) ORDER BY starts_at`,
      [[first, second]],
    );
    expect(sent.map((s) => [s.method, s.sequence, s.to, s.start])).toEqual([
      ['REQUEST', 0, a.people.patient.email, slotOne.starts_at.toISOString()],
      ['REQUEST', 0, a.people.physician.email, slotOne.starts_at.toISOString()],
      ['REQUEST', 1, a.people.patient.email, slotTwo.starts_at.toISOString()],
      ['REQUEST', 1, a.people.physician.email, slotTwo.starts_at.toISOString()],
      ['CANCEL', 2, a.people.patient.email, slotTwo.starts_at.toISOString()],
      ['CANCEL', 2, a.people.physician.email, slotTwo.starts_at.toISOString()],
    ]);
    expect(new Set(sent.map((s) => s.uid))).toEqual(new Set([`consult-${booking.id}@${a.host}`]));
    for (const s of sent) {
      expect(s.text).not.toContain(c.number);
      expect(s.text).not.toContain(`patient ${a.slug}`);
      expect(s.text).not.toMatch(/diagnos|treatment/i);
    }
    const [extra] = await operatorQuery<{ status: string }>(app, `SELECT status FROM case_extras WHERE case_id = $1`, [c.id]);
    expect(extra.status).toBe('paid');
  });

  it('reminds each party once for the time booked, whatever the job does twice', async () => {
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    const slotId = await publish(physician, 120);
    const { c, client } = await paidConsult();
    await client.get(`/account/cases/${c.id}/consult`);
    await client.post(`/account/cases/${c.id}/consult/book`, { slot_id: slotId });
    await waitForIdleQueues(app);
    const [booking] = await operatorQuery<{ id: string; reminded_sequence: number }>(
      app,
      `SELECT id, reminded_sequence FROM consult_bookings WHERE case_id = $1`,
      [c.id],
    );
    // Less than a day ahead: the reminder job ran at once.
    expect(booking.reminded_sequence).toBe(0);
    expect(await app.get(ConsultReminders).remind(a.id, booking.id, 0)).toBe('already_sent');
    expect(await app.get(ConsultReminders).remind(a.id, booking.id, 7)).toBe('stale');
    const reminders = await operatorQuery<{ to_address: string }>(
      app,
      `SELECT to_address FROM outbound_emails WHERE tenant_id = $1 AND template = 'consult-reminder' AND created_at > now() - interval '1 minute' ORDER BY to_address`,
      [a.id],
    );
    expect(reminders.map((r) => r.to_address)).toEqual([a.people.patient.email, a.people.physician.email].sort());
    // Two hours ahead is inside the patient's 24 hours: they can no longer move it here.
    const late = await client.post(`/account/cases/${c.id}/consult/cancel`);
    expect(late.status).toBe(400);
    expect(late.text).toContain('less than 24 hours before the consult');
  });

  it('lets only the two parties join the room at the time, audited, and records only with both consents', async () => {
    const physicianClient = new WebClient(app, a.host);
    await signInStaff(physicianClient, a.people.physician);
    const slotId = await publish(physicianClient, 5);
    const { c, client: patient } = await paidConsult();
    await patient.get(`/account/cases/${c.id}/consult`);
    const bookedNow = await patient.post(`/account/cases/${c.id}/consult/book`, { slot_id: slotId });
    expect(bookedNow.status).toBe(303);

    await patient.get(`/account/cases/${c.id}/consult`);
    const room = await patient.post(`/account/cases/${c.id}/consult/join`);
    expect(room.status).toBe(200);
    expect(room.text).toContain('Video room');
    await physicianClient.get(`/console/consults/cases/${c.id}`);
    expect((await physicianClient.post(`/console/consults/cases/${c.id}/join`)).status).toBe(200);
    const [booking] = await operatorQuery<{ id: string; meeting_id: string }>(
      app,
      `SELECT id, meeting_id FROM consult_bookings WHERE case_id = $1`,
      [c.id],
    );
    expect(chime.attendeesOf(booking.meeting_id).sort()).toEqual([a.people.patient.id, a.people.physician.id].sort());
    const created = chime.calls.filter((call) => call.method === 'POST' && call.path === '/meetings');
    // No name, case number or condition reaches the video service: the booking id names the meeting.
    expect(created.at(-1)!.body.ExternalMeetingId).toBe(booking.id);
    expect(created.at(-1)!.scope).toMatch(/\/us-east-1\/chime\/aws4_request$/);

    // A coordinator sees the case but is not on the consult; another patient and hospital B's see nothing.
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    await coordinator.get('/console/consults');
    expect((await coordinator.post(`/console/consults/cases/${c.id}/join`)).status).toBe(404);
    const other = new WebClient(app, a.host);
    await signInPatient(other, await anotherPatient(a));
    await other.get('/account');
    expect((await other.post(`/account/cases/${c.id}/consult/join`)).status).toBe(404);
    expect((await other.get(`/account/cases/${c.id}/consult`)).status).toBe(404);
    const patientB = new WebClient(app, b.host);
    await signInPatient(patientB, b.people.patient);
    await patientB.get('/account');
    expect((await patientB.get(`/account/cases/${c.id}/consult`)).status).toBe(404);
    expect((await patientB.post(`/account/cases/${c.id}/consult/join`)).status).toBe(404);
    const physicianB = new WebClient(app, b.host);
    await signInStaff(physicianB, b.people.physician);
    await physicianB.get('/console/consults');
    expect((await physicianB.post(`/console/consults/cases/${c.id}/join`)).status).toBe(404);
    expect(chime.attendeesOf(booking.meeting_id)).toHaveLength(2);

    const audit = await operatorQuery<{ outcome: string; n: number }>(
      app,
      `SELECT outcome, count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND action = 'consult.join' AND entity_id = $2 GROUP BY 1 ORDER BY 1`,
      [a.id, c.id],
    );
    expect(audit).toEqual([
      { outcome: 'allowed', n: 2 },
      { outcome: 'denied', n: 2 },
    ]);

    // An interpreter joins once a coordinator books them on the consult, not before.
    const translator = await createTestTranslator(app, a);
    const interpreter = new WebClient(app, a.host);
    await signInStaff(interpreter, translator);
    await interpreter.get('/console');
    expect((await interpreter.post(`/console/consults/cases/${c.id}/join`)).status).toBe(404);
    await coordinator.get(`/console/consults/cases/${c.id}`);
    const wrong = await coordinator.post(`/console/consults/cases/${c.id}/interpreter`, { interpreter_id: a.people.patient.id });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Choose one of the hospital’s translators.');
    expect((await coordinator.post(`/console/consults/cases/${c.id}/interpreter`, { interpreter_id: translator.id })).status).toBe(303);
    expect((await interpreter.post(`/console/consults/cases/${c.id}/join`)).status).toBe(200);
    expect(chime.attendeesOf(booking.meeting_id)).toContain(translator.id);

    // Recording needs both: the patient's yes alone leaves it off.
    await patient.get(`/account/cases/${c.id}/consult`);
    await patient.post(`/account/cases/${c.id}/consult/consent`, { consent: 'on' });
    expect((await patient.post(`/account/cases/${c.id}/consult/join`)).text).toContain('off, unless both of you agree.');
    await physicianClient.get(`/console/consults/cases/${c.id}`);
    await physicianClient.post(`/console/consults/cases/${c.id}/consent`, { consent: 'on' });
    const both = await patient.post(`/account/cases/${c.id}/consult/join`);
    expect(both.text).toContain('both of you agreed to recording.');

    // Leaving removes the attendee from the meeting.
    const attendee = /name="attendee_id" value="([^"]+)"/.exec(both.text)![1];
    const before = chime.attendeesOf(booking.meeting_id).length;
    expect((await patient.post(`/account/cases/${c.id}/consult/leave`, { attendee_id: attendee })).status).toBe(303);
    expect(chime.attendeesOf(booking.meeting_id)).toHaveLength(before - 1);
    // A meeting the service ended is replaced by a new one for the same booking.
    chime.end(booking.meeting_id);
    expect((await patient.post(`/account/cases/${c.id}/consult/join`)).status).toBe(200);
    const [after] = await operatorQuery<{ meeting_id: string }>(app, `SELECT meeting_id FROM consult_bookings WHERE id = $1`, [booking.id]);
    expect(after.meeting_id).not.toBe(booking.meeting_id);
  });

  it.each(LOCALES)('shows every consult page and refused form in the reader’s language (%s)', async (locale) => {
    const translator = app.get(Translator);
    const allow = [a.name, 'Consilium'];
    const check = (page: { status: number; text: string }, status: number, what: string) =>
      expectPageIn(page, locale, { status, what, translator, allow });
    const physician = readerIn(app, a.host, locale);
    await signInStaff(physician, a.people.physician);
    // Each language its own times: a physician's times never overlap.
    const offset = LOCALES.indexOf(locale) * 45;
    const slotId = await publish(physician, 3 * 60 + offset);
    await publish(physician, 9 * 24 * 60 + offset);
    check(await physician.get('/console/consults'), 200, 'slots');
    check(
      await physician.submit('/console/consults/slots', { date: 'soon', time: '', minutes: '5', time_zone: 'Mars/Base' }),
      400,
      'refused slot',
    );

    const { c } = await paidConsult();
    const patient = readerIn(app, a.host, locale);
    await signInPatient(patient, a.people.patient);
    check(await patient.get(`/account/cases/${c.id}/consult?tz=Asia/Tokyo`), 200, 'times to book');
    check(await patient.submit(`/account/cases/${c.id}/consult/book`, {}), 400, 'refused booking');
    await patient.submit(`/account/cases/${c.id}/consult/book`, { slot_id: slotId });
    check(await patient.get(`/account/cases/${c.id}/consult`), 200, 'booked');
    // At the time of the consult (the Clock moved to its start, as waiting would).
    const [slot] = await operatorQuery<{ starts_at: Date }>(app, 'SELECT starts_at FROM consult_slots WHERE id = $1', [slotId]);
    const clock = app.get(Clock);
    const now = clock.now.bind(clock);
    clock.now = () => new Date(Math.max(now().getTime(), slot.starts_at.getTime()));
    check(await patient.submit(`/account/cases/${c.id}/consult/join`, {}), 200, 'room');
    clock.now = now;
    check(await patient.submit(`/account/cases/${c.id}/consult/cancel`, {}), 400, 'refused late cancel');
    check(await physician.get(`/console/consults/cases/${c.id}`), 200, 'physician’s consult page');
    const coordinator = readerIn(app, a.host, locale);
    await signInStaff(coordinator, a.people.coordinator);
    check(await coordinator.get(`/console/consults/cases/${c.id}`), 200, 'coordinator’s consult page');
    check(
      await coordinator.submit(`/console/consults/cases/${c.id}/interpreter`, { interpreter_id: 'nobody' }),
      400,
      'refused interpreter',
    );
  });

  it('keeps the room closed outside the consult’s time', async () => {
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    const slotId = await publish(physician, 7 * 24 * 60);
    const { c, client } = await paidConsult();
    await client.get(`/account/cases/${c.id}/consult`);
    await client.post(`/account/cases/${c.id}/consult/book`, { slot_id: slotId });
    const early = await client.post(`/account/cases/${c.id}/consult/join`);
    expect(early.status).toBe(409);
    expect(early.text).toContain('The video room is not open now.');
  });
});
