/**
 * Damaged store files, read through the CLI: a week file and names.wdn cut at every byte offset,
 * and both with random bytes flipped. Each damaged copy lives in a program directory of its own,
 * so one `watchdog counters --json` reads them all: it must exit 0, print one stderr line per
 * damaged file (and none for intact ones), and report exactly the counts the damage did not
 * touch. Then new increments are counted in every damaged program (through the store, and for a
 * sample through real crashing runs of the CLI) and read back beside the old ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programDirName } from '../../src/counter/encoding.js';
import { COUNT_RECORD_SIZE, encodeCount, encodeName } from '../../src/counter/format.js';
import { nameHash } from '../../src/counter/hash.js';
import { UNKNOWN_NAME } from '../../src/counter/read.js';
import { openStore } from '../../src/counter/store.js';
import { weekKey } from '../../src/counter/week.js';
import { FIXTURES, finished, listing, prng, scaled, startWatchdog, tempDir, type Listing } from './helpers.js';

const NAMES = ['crash/a', 'crash/crash\nsrc/b.ts:f:+1\nsrc/cli.ts:main:+7', 'crash/ccc\u00e9'];
/** [name index, delta] of each increment record, in file order. */
const INCREMENTS: [number, number][] = [[0, 1], [1, 2], [0, 3], [2, 4], [1, 5], [0, 6], [2, 7], [1, 8], [0, 9], [2, 10]];
const FLIPPED = scaled(120);
const SEED = 0xda4a6e;

const bytesOf = (s: string): Buffer => Buffer.from(s, 'utf8');
const NAME_RECORDS = NAMES.map((n) => encodeName(bytesOf(n), nameHash(bytesOf(n))));
const COUNT_RECORDS = INCREMENTS.map(([i, d]) => encodeCount(nameHash(bytesOf(NAMES[i]!)), d));
const GOOD_NAMES = Buffer.concat(NAME_RECORDS);
const GOOD_WEEK = Buffer.concat(COUNT_RECORDS);
/** [start, end) of each record in its file. */
const ranges = (records: Buffer[]): [number, number][] => {
  let at = 0;
  return records.map((r) => [at, (at += r.length)] as [number, number]);
};
const NAME_RANGES = ranges(NAME_RECORDS);
const COUNT_RANGES = ranges(COUNT_RECORDS);

/** A damaged copy: its program name, its two files, and what must be read back. */
interface Case {
  program: string;
  names: Buffer;
  week: Buffer;
  /** Which increment records survive, and which definitions. */
  keptCount: (k: number) => boolean;
  keptName: (i: number) => boolean;
  /** Which files must be reported. */
  damaged: ('names.wdn' | 'week')[];
}

function expectedCounts(c: Case, extra: Record<string, number> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  INCREMENTS.forEach(([i, d], k) => {
    if (!c.keptCount(k)) return;
    const name = c.keptName(i) ? NAMES[i]! : UNKNOWN_NAME;
    out[name] = (out[name] ?? 0) + d;
  });
  for (const [n, d] of Object.entries(extra)) out[n] = (out[n] ?? 0) + d;
  return out;
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (let len = 0; len <= GOOD_WEEK.length; len++) {
    cases.push({
      program: `week-cut-${len}`,
      names: GOOD_NAMES,
      week: GOOD_WEEK.subarray(0, len),
      keptCount: (k) => COUNT_RANGES[k]![1] <= len,
      keptName: () => true,
      damaged: len % COUNT_RECORD_SIZE ? ['week'] : [],
    });
  }
  for (let len = 0; len <= GOOD_NAMES.length; len++) {
    const keptName = (i: number): boolean => NAME_RANGES[i]![1] <= len;
    const torn = !NAME_RANGES.some(([, e]) => e === len) && len !== 0;
    cases.push({ program: `names-cut-${len}`, names: GOOD_NAMES.subarray(0, len), week: GOOD_WEEK, keptCount: () => true, keptName, damaged: torn || NAMES.some((_, i) => !keptName(i)) ? ['names.wdn'] : [] });
  }
  const rnd = prng(SEED);
  for (let n = 0; n < FLIPPED; n++) {
    const names = Buffer.from(GOOD_NAMES);
    const week = Buffer.from(GOOD_WEEK);
    // 1-4 flips, in one file or both.
    const where = rnd.int(3);
    const flips = 1 + rnd.int(4);
    for (let f = 0; f < flips; f++) {
      const inNames = where === 0 || (where === 2 && rnd.int(2) === 0);
      const b = inNames ? names : week;
      const at = rnd.int(b.length);
      b[at] = b[at]! ^ (1 + rnd.int(255));
    }
    // What changed, by comparison (two flips of one byte may cancel out).
    const touched = (now: Buffer, was: Buffer, ranges: [number, number][]): Set<number> =>
      new Set(ranges.flatMap(([start, end], i) => (now.subarray(start, end).equals(was.subarray(start, end)) ? [] : [i])));
    const touchedNames = touched(names, GOOD_NAMES, NAME_RANGES);
    const touchedCounts = touched(week, GOOD_WEEK, COUNT_RANGES);
    const keptName = (i: number): boolean => !touchedNames.has(i);
    const usedLost = INCREMENTS.some(([i]) => !keptName(i));
    cases.push({
      program: `flipped-${n}`,
      names,
      week,
      keptCount: (k) => !touchedCounts.has(k),
      keptName,
      damaged: [...(touchedNames.size > 0 || usedLost ? (['names.wdn'] as const) : []), ...(touchedCounts.size > 0 ? (['week'] as const) : [])],
    });
  }
  return cases;
}

const tmp = tempDir();
afterAll(() => tmp.remove());
const store = join(tmp.dir, 'store');
const VERSION = '1.0.0';
let cases: Case[] = [];
let week = '';

beforeAll(() => {
  week = weekKey(new Date());
  cases = buildCases();
  for (const c of cases) {
    const pdir = join(store, 'counters', programDirName({ name: c.program, version: VERSION }));
    mkdirSync(pdir, { recursive: true });
    writeFileSync(join(pdir, 'names.wdn'), c.names);
    writeFileSync(join(pdir, `${week}.wdc`), c.week);
  }
});

/** Counts by program then name, and the damage lines by program. */
function byProgram(l: Listing): { counts: Map<string, Record<string, number>>; damage: Map<string, string[]> } {
  const counts = new Map<string, Record<string, number>>();
  for (const c of l.counters) {
    const m = counts.get(c.program) ?? {};
    m[c.name] = (m[c.name] ?? 0) + c.count;
    counts.set(c.program, m);
  }
  const damage = new Map<string, string[]>();
  for (const line of l.stderrLines) {
    const m = /^watchdog: counters\/([^@/]+)@1\.0\.0\/(names\.wdn|\d{4}-W\d\d\.wdc): (.+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const list = damage.get(m![1]!) ?? [];
    list.push(m![2] === 'names.wdn' ? 'names.wdn' : 'week');
    damage.set(m![1]!, list);
  }
  return { counts, damage };
}

describe('damaged store files, through the CLI', () => {
  it(`every cut of a week file and of names.wdn, and ${FLIPPED} random flips: all that is intact, one line per damaged file`, async () => {
    expect(cases.length).toBe(GOOD_WEEK.length + 1 + GOOD_NAMES.length + 1 + FLIPPED);
    const l = await listing(store);
    expect(l.code).toBe(0);
    const { counts, damage } = byProgram(l);
    for (const c of cases) {
      expect(counts.get(c.program) ?? {}, c.program).toEqual(expectedCounts(c));
      expect((damage.get(c.program) ?? []).sort(), c.program).toEqual([...c.damaged].sort());
    }
  });

  it('new increments after the damage are counted, through the store and through crashing runs of the CLI', async () => {
    const s = openStore(store);
    for (const c of cases) {
      s.increment({ name: c.program, version: VERSION }, NAMES[0]!, 100);
      s.increment({ name: c.program, version: VERSION }, 'crash/after-damage', 1000);
    }
    // Real crashes for a sample: torn week files, torn names.wdn, flipped files.
    const sample = ['week-cut-7', 'week-cut-199', 'names-cut-5', `names-cut-${GOOD_NAMES.length - 1}`, 'flipped-0', 'flipped-1'];
    const cwd = join(FIXTURES, 'cjs-nested');
    const runs = await Promise.all(sample.map((p) => finished(startWatchdog(['--program', `${p}@${VERSION}`, '--', 'node', 'main.js'], store, { cwd }))));
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/^watchdog:/m);
    }
    const l = await listing(store);
    expect(l.code).toBe(0);
    const { counts, damage } = byProgram(l);
    const crashName = l.counters.find((c) => c.program === sample[0] && c.name.startsWith('crash/crash\n') && c.name !== NAMES[1])?.name;
    expect(crashName).toMatch(/^crash\/crash\nlib\/parser\.js:/);
    for (const c of cases) {
      const extra: Record<string, number> = { [NAMES[0]!]: 100, 'crash/after-damage': 1000 };
      if (sample.includes(c.program)) extra[crashName!] = 1;
      // A lost definition of NAMES[0] is written again by the new increment, so its old
      // increments get their name back.
      const healed: Case = { ...c, keptName: (i) => i === 0 || c.keptName(i) };
      expect(counts.get(c.program) ?? {}, c.program).toEqual(expectedCounts(healed, extra));
      // Still one line per damaged file at most: the damaged bytes stay where they were.
      expect((damage.get(c.program) ?? []).length, c.program).toBeLessThanOrEqual(2);
    }
  });
});
