import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoWeek, validWeekKey, weekKey, weekStart, weeksInYear } from '../../src/counter/week.js';

describe('weekKey', () => {
  it.each([
    ['2019-12-29T12:00:00Z', '2019-W52'], // Sunday
    ['2019-12-30T00:00:00Z', '2020-W01'], // Monday: week 1 of 2020 starts in 2019
    ['2020-12-31T12:00:00Z', '2020-W53'],
    ['2021-01-01T00:00:00Z', '2020-W53'], // January 1st in the previous year's week 53
    ['2021-01-03T23:59:59.999Z', '2020-W53'],
    ['2021-01-04T00:00:00Z', '2021-W01'],
    ['2024-12-29T23:59:59Z', '2024-W52'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
    ['2025-12-28T12:00:00Z', '2025-W52'],
    ['2025-12-29T00:00:00Z', '2026-W01'],
    ['2026-11-24T12:00:00Z', '2026-W48'],
    ['2026-12-31T12:00:00Z', '2026-W53'],
    ['2027-01-01T00:00:00Z', '2026-W53'],
    ['2027-01-04T00:00:00Z', '2027-W01'],
    ['2015-12-31T00:00:00Z', '2015-W53'],
    ['2016-01-03T00:00:00Z', '2015-W53'],
    ['2016-01-04T00:00:00Z', '2016-W01'],
    ['1970-01-01T00:00:00Z', '1970-W01'],
    ['2000-01-01T00:00:00Z', '1999-W52'],
  ])('%s is in %s', (iso, key) => {
    expect(weekKey(new Date(iso))).toBe(key);
  });

  it('uses UTC, not the local time zone', () => {
    // 00:30 on Monday in UTC+1 is still Sunday in UTC.
    expect(weekKey(new Date('2021-01-04T00:30:00+01:00'))).toBe('2020-W53');
    expect(weekKey(new Date('2021-01-03T23:30:00-01:00'))).toBe('2021-W01');
  });

  it('rejects invalid dates and years outside 1000-9999', () => {
    expect(() => weekKey(new Date(NaN))).toThrow(RangeError);
    expect(() => weekKey(new Date('0999-06-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => weekKey(new Date('+010000-06-01T00:00:00Z'))).toThrow(RangeError);
  });

  it('puts every moment in the 7 days starting at its Monday', () => {
    const DAY = 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 10), max: Date.UTC(9999, 11, 20) }), (t) => {
        const key = weekKey(new Date(t));
        const start = weekStart(key)!;
        expect(start.getUTCDay()).toBe(1);
        expect(start.getUTCHours() + start.getUTCMinutes() + start.getUTCSeconds() + start.getUTCMilliseconds()).toBe(0);
        expect(t).toBeGreaterThanOrEqual(start.getTime());
        expect(t).toBeLessThan(start.getTime() + 7 * DAY);
        // The week's Thursday is in the key's year.
        expect(new Date(start.getTime() + 3 * DAY).getUTCFullYear()).toBe(isoWeek(new Date(t)).year);
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts as strings in time order', () => {
    const keys = [];
    for (let t = Date.UTC(2019, 0, 1); t < Date.UTC(2028, 0, 1); t += 3 * 86_400_000) keys.push(weekKey(new Date(t)));
    expect([...keys].sort()).toEqual(keys);
  });
});

describe('weeksInYear and validWeekKey', () => {
  it('agree with the week of December 28th, which is always in the last week', () => {
    for (let y = 1900; y <= 2200; y++) {
      expect(weeksInYear(y)).toBe(isoWeek(new Date(Date.UTC(y, 11, 28))).week);
    }
    expect(weeksInYear(2026)).toBe(53);
    expect(weeksInYear(2020)).toBe(53);
    expect(weeksInYear(2025)).toBe(52);
  });

  it.each([
    ['2026-W53', true],
    ['2025-W53', false],
    ['2025-W52', true],
    ['2025-W00', false],
    ['2025-W1', false],
    ['25-W01', false],
    ['2025-w01', false],
    ['2025-W01x', false],
  ])('%s is valid: %s', (key, ok) => {
    expect(validWeekKey(key)).toBe(ok);
    expect(weekStart(key) !== null).toBe(ok);
  });
});
