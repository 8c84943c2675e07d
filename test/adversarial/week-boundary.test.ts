/**
 * Week rotation at the boundary: a crash counts once, in one week.
 *
 * Why it holds on the CLI path: the watchdog takes no time when the child starts. After the
 * child has exited, the crash path calls `increment(program, name)` once per crash, and the
 * store takes `now = new Date()` inside that call, once, to pick the week file and nothing else;
 * the increment is one record in that one file. So a run that starts in one week and crashes in
 * the next is counted once, in the week its crash was recorded.
 *
 * Proved twice: with the store API (dates on either side of Monday 00:00 UTC, New Year's ISO
 * weeks included), and end to end: the watchdog itself runs with a clock that starts 300 ms
 * before a week boundary (a --require'd module shifting Date in the watchdog process only), while
 * its child runs 600 ms and crashes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStore } from '../../src/counter/read.js';
import { openStore } from '../../src/counter/store.js';
import { FIXTURES, finished, listing, startWatchdog, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const program = { name: 'week-tool', version: '1.0.0' };

describe('the store API at a week boundary', () => {
  const boundaries: [string, string, string][] = [
    ['2026-11-29T23:59:59.999Z', '2026-W48', '2026-W49'], // Sunday night to Monday, UTC
    ['2026-01-04T23:59:59.999Z', '2026-W01', '2026-W02'],
    ['2027-01-03T23:59:59.999Z', '2026-W53', '2027-W01'], // ISO week 53 into the next year
    ['2024-12-29T23:59:59.999Z', '2024-W52', '2025-W01'], // a calendar year that starts in the next ISO year
  ];

  it.each(boundaries)('one increment at %s and one a millisecond later: once in each week, never twice', (last, before, after) => {
    const dir = join(tmp.dir, `api-${before}`);
    const store = openStore(dir);
    const t = new Date(last);
    const a = store.increment(program, 'crash/before', 1, t);
    const b = store.increment(program, 'crash/after', 1, new Date(t.getTime() + 1));
    expect([a.week, b.week]).toEqual([before, after]);
    const rows = readStore(dir).rows.map((r) => [r.week, r.name, r.count]);
    expect(rows).toEqual([
      [before, 'crash/before', 1],
      [after, 'crash/after', 1],
    ]);
  });

  it('the same crash counted on both sides of the boundary: one count per increment, each in its own week', () => {
    const dir = join(tmp.dir, 'api-same');
    const store = openStore(dir);
    const name = 'crash/crash\nmain.js:run:+1';
    for (const t of ['2026-11-29T23:59:59.000Z', '2026-11-29T23:59:59.999Z', '2026-11-30T00:00:00.000Z']) store.increment(program, name, 1, new Date(t));
    expect(readStore(dir).rows.map((r) => [r.week, r.count])).toEqual([
      ['2026-W48', 2],
      ['2026-W49', 1],
    ]);
  });
});

describe('the CLI: a run that starts in one week and crashes in the next', () => {
  it('is counted once, in the week of the crash', async () => {
    // Monday 2026-11-30 00:00 UTC, 300 ms after the watchdog starts.
    const boundary = Date.UTC(2026, 10, 30);
    const clock = join(tmp.dir, 'clock.cjs');
    writeFileSync(
      clock,
      `// Loaded into the watchdog process only (not through NODE_OPTIONS: its child has the real clock).
const Real = Date;
const offset = ${boundary - 300} - Real.now();
class Shifted extends Real {
  constructor(...args) { if (args.length === 0) super(Real.now() + offset); else super(...args); }
  static now() { return Real.now() + offset; }
}
globalThis.Date = Shifted;
require('fs').writeFileSync(process.env.CLOCK_START, String(Date.now()));
`,
    );
    const store = join(tmp.dir, 'cli');
    const started = join(tmp.dir, 'started');
    const run = startWatchdog(['--', 'node', '-e', 'setTimeout(function late() { throw new Error("x") }, 600)'], store, {
      nodeArgs: ['--require', clock],
      cwd: join(FIXTURES, 'cjs-nested'),
      env: { CLOCK_START: started },
    });
    const end = await finished(run);
    expect(end.code).toBe(1);
    expect(end.stderr).not.toMatch(/^watchdog:/m);
    // The watchdog started in week 48 ...
    expect(Number(readFileSync(started, 'utf8'))).toBeLessThan(boundary);
    const l = await listing(store);
    expect(l.counters).toHaveLength(1);
    // ... and its crash is counted once, in week 49.
    expect(l.counters[0]).toMatchObject({ count: 1, weeks: ['2026-W49'] });
    expect(l.counters[0]!.name).toMatch(/^crash\/crash\n\[eval\]:late:\+0$/);
  });
});
