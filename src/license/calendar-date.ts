// License dates are whole UTC days written YYYY-MM-DD: what an administrator reads on the file is what
// the server enforces, whatever the host's time zone.

const DAY_MS = 86_400_000;

/** Midnight UTC at the start of the day, or null when the text is not a real YYYY-MM-DD date. */
export function parseCalendarDate(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC rolls 2026-02-30 over into March; a round trip catches it.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date;
}

export function formatCalendarDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The first instant after the given day: a license that expires on D is good through all of D (UTC). */
export function endOfDay(dayStart: Date): Date {
  return new Date(dayStart.getTime() + DAY_MS);
}

/** Whole days from `now` until `end`, rounded up, so "expires at the end of today" reads as 1 day left. */
export function daysUntil(end: Date, now: Date): number {
  return Math.ceil((end.getTime() - now.getTime()) / DAY_MS);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}
