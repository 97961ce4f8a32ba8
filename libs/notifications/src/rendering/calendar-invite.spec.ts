import ICAL from 'ical.js';
import { calendarInvite } from './calendar-invite';

/** The invitation a calendar reads back: escaped text and folded lines come back as written (ical.js parses it). */
describe('calendarInvite', () => {
  const event = {
    uid: 'consult-1@a.example',
    start: new Date(Date.UTC(2027, 0, 15, 17)),
    end: new Date(Date.UTC(2027, 0, 15, 17, 30)),
    stamp: new Date(Date.UTC(2027, 0, 1)),
    summary: 'Consultation vidéo · Hôpital Saint-Éloi, Paris; « service » \\ test',
    description: `Rejoignez-la depuis la page de votre consultation : https://a.example/account/cases/${'x'.repeat(90)}/consult`,
    url: 'https://a.example/account/cases/1/consult',
    organizer: { name: 'Hôpital "A"', address: 'no-reply@a.example' },
    attendee: 'patient@example.org',
  };

  it('writes a REQUEST a calendar library reads back field for field, lines at most 75 octets', () => {
    const text = calendarInvite({ ...event, method: 'REQUEST', sequence: 2 });
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const cal = new ICAL.Component(ICAL.parse(text));
    expect(cal.getFirstPropertyValue('method')).toBe('REQUEST');
    const parsed = new ICAL.Event(cal.getFirstSubcomponent('vevent')!);
    expect(parsed.summary).toBe(event.summary);
    expect(parsed.description).toBe(event.description);
    expect(parsed.sequence).toBe(2);
    expect(parsed.startDate.toJSDate().toISOString()).toBe('2027-01-15T17:00:00.000Z');
    expect(parsed.endDate.toJSDate().toISOString()).toBe('2027-01-15T17:30:00.000Z');
    expect(parsed.organizer).toBe('mailto:no-reply@a.example');
  });

  it('writes a CANCEL with the event cancelled', () => {
    const cal = new ICAL.Component(ICAL.parse(calendarInvite({ ...event, method: 'CANCEL', sequence: 3 })));
    expect(cal.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(cal.getFirstSubcomponent('vevent')!.getFirstPropertyValue('status')).toBe('CANCELLED');
  });
});
