/**
 * Business-day arithmetic in a hospital's time zone: `addBusinessDays(t, 1, 'America/Chicago')` is the same wall-clock
 * time on the next weekday there. Weekends and the hospital's holidays (`YYYY-MM-DD`, its own calendar dates, from the
 * blueprint's `holidays:` or the console) are skipped; a start on a weekend counts from that weekend's Monday.
 */
export function addBusinessDays(from: Date, days: number, timeZone: string, holidays: Iterable<string> = []): Date {
  const closed = holidays instanceof Set ? (holidays as Set<string>) : new Set(holidays);
  const local = wallClock(from, timeZone);
  const date = new Date(Date.UTC(local.year, local.month - 1, local.day));
  let left = days;
  while (left > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    const weekday = date.getUTCDay();
    if (weekday !== 0 && weekday !== 6 && !closed.has(date.toISOString().slice(0, 10))) left--;
  }
  return fromWallClock(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: local.hour,
      minute: local.minute,
      second: local.second,
    },
    timeZone,
  );
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function wallClock(at: Date, timeZone: string): WallClock {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour % 24, minute: +parts.minute, second: +parts.second };
}

/** The instant a wall-clock time happens in `timeZone` (the offset is found twice to settle across a DST change). */
function fromWallClock(w: WallClock, timeZone: string): Date {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const seen = wallClock(new Date(guess), timeZone);
    const seenUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute, seen.second);
    guess += asUtc - seenUtc;
  }
  return new Date(guess);
}
