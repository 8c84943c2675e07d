/**
 * Weeks: every increment lands in the file of the ISO 8601 week (in UTC) of the moment it was
 * counted, named `<YYYY>-W<ww>` with the ISO week-numbering year (which differs from the calendar
 * year around New Year: 2024-12-30 is in 2025-W01, 2027-01-01 is in 2026-W53). Weeks start on
 * Monday 00:00 UTC. Keys sort as strings in time order for years 1000-9999.
 */

/** Matches a week key and captures year and week. */
export const WEEK_KEY = /^(\d{4})-W(\d{2})$/;

const DAY = 86_400_000;

/** ISO week-numbering year and week (1-53) of `d`, in UTC. */
export function isoWeek(d: Date): { year: number; week: number } {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new RangeError('invalid date');
  const day = Math.floor(t / DAY); // days since 1970-01-01, a Thursday
  const weekday = (((day + 3) % 7) + 7) % 7; // Monday = 0
  const thursday = day - weekday + 3; // the Thursday of d's week decides its year
  const year = new Date(thursday * DAY).getUTCFullYear();
  const jan1 = Math.floor(Date.UTC(year, 0, 1) / DAY);
  return { year, week: Math.floor((thursday - jan1) / 7) + 1 };
}

/** `2026-W48`: the key of the week containing `d`. Years outside 1000-9999 are rejected. */
export function weekKey(d: Date): string {
  const { year, week } = isoWeek(d);
  if (year < 1000 || year > 9999) throw new RangeError(`year ${year} out of range`);
  return `${year}-W${week < 10 ? '0' : ''}${week}`;
}

/** Whether `key` names a week that exists: `2026-W53` does, `2025-W53` does not. */
export function validWeekKey(key: string): boolean {
  const m = WEEK_KEY.exec(key);
  if (!m) return false;
  const year = Number(m[1]);
  const week = Number(m[2]);
  return year >= 1000 && week >= 1 && week <= weeksInYear(year);
}

/** 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or is a leap year starting on a Wednesday. */
export function weeksInYear(year: number): number {
  const known = WEEKS_IN_YEAR.get(year);
  if (known !== undefined) return known;
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay(); // Sunday = 0
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const weeks = jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
  WEEKS_IN_YEAR.set(year, weeks);
  return weeks;
}
const WEEKS_IN_YEAR = new Map<number, number>();

/** Monday 00:00 UTC starting the week `key`, or null if `key` is not a valid week key. */
export function weekStart(key: string): Date | null {
  const m = WEEK_KEY.exec(key);
  if (!m) return null;
  const year = Number(m[1]);
  const week = Number(m[2]);
  // Week 1 is the week holding January 4th.
  const jan4 = Math.floor(Date.UTC(year, 0, 4) / DAY);
  const monday1 = jan4 - ((((jan4 + 3) % 7) + 7) % 7);
  const start = new Date((monday1 + (week - 1) * 7) * DAY);
  return week >= 1 && weekKey(start) === key ? start : null;
}
