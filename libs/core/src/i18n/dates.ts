/** Building an Intl formatter costs far more than using one: one per time zone, kept. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Today's date where the hospital is, as YYYY-MM-DD: licenses expire, codes lapse and months turn at the end of
 * the day there, not in UTC.
 */
export function todayIn(timeZone: string, now = new Date()): string {
  let format = formatters.get(timeZone);
  if (!format)
    formatters.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return format.format(now);
}
