/** What an .ics needs, all of it typed data: no free text from a caller reaches a calendar either. */
export interface CalendarEvent {
  method: 'REQUEST' | 'CANCEL';
  /** Stable across changes: the consult's id, at the hospital's host. */
  uid: string;
  sequence: number;
  start: Date;
  end: Date;
  stamp: Date;
  /** Translated by the renderer: "Video consult · <hospital>". */
  summary: string;
  description: string;
  url: string;
  organizer: { name: string; address: string };
  attendee: string;
}

/**
 * An iTIP message (RFC 5546) carrying one event (RFC 5545): METHOD:REQUEST invites or moves it, METHOD:CANCEL
 * removes it; a calendar matches them by UID and keeps the highest SEQUENCE. Text is escaped and lines are folded
 * at 75 octets, as RFC 5545 asks.
 */
export function calendarInvite(e: CalendarEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Consilium//Video consults//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${e.method}`,
    'BEGIN:VEVENT',
    `UID:${e.uid}`,
    `SEQUENCE:${e.sequence}`,
    `DTSTAMP:${utc(e.stamp)}`,
    `DTSTART:${utc(e.start)}`,
    `DTEND:${utc(e.end)}`,
    `SUMMARY:${text(e.summary)}`,
    `DESCRIPTION:${text(e.description)}`,
    `URL:${e.url}`,
    `ORGANIZER;CN=${param(e.organizer.name)}:mailto:${e.organizer.address}`,
    `ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:${e.attendee}`,
    `STATUS:${e.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}

function utc(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function text(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** A parameter value: quoted, with the characters a quoted value may not hold removed. */
function param(value: string): string {
  return `"${value.replace(/["\r\n]/g, '')}"`;
}

/** Lines longer than 75 octets continue on the next line after a space, never splitting a character. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  for (const char of line) {
    const limit = out.length === 0 ? 75 : 74;
    if (Buffer.byteLength(current + char) > limit) {
      out.push(current);
      current = '';
    }
    current += char;
  }
  out.push(current);
  return out.join('\r\n ');
}
