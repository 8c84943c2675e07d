/**
 * Damaged stores: files cut at every byte offset, bytes flipped, junk inserted. The reader must
 * never throw, must keep every record the damage did not touch (exact counts), must report one
 * line per damaged file, and increments appended after the damage must read back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programDirName } from '../../src/counter/encoding.js';
import { COUNT_RECORD_SIZE } from '../../src/counter/format.js';
import { UNKNOWN_NAME, readStore, readTotals } from '../../src/counter/read.js';
import { openStore } from '../../src/counter/store.js';
import { prng, tempDir } from './helpers.js';

const tool = { name: 'tool', version: '1.0.0' };
const NOW = new Date('2026-11-24T12:00:00Z');
const WEEK = '2026-W48';
const NAMES = ['crash/a', 'crash/crash\nsrc/b.ts:f:+1\nsrc/cli.ts:main:+7', 'crash/ccc\u00e9'];
/** The increments of the original week file, in order: [name index, delta]. */
const INCREMENTS: [number, number][] = [[0, 1], [1, 2], [0, 3], [2, 4], [1, 5], [0, 6], [2, 7], [1, 8], [0, 9], [2, 10]];

let tmp: ReturnType<typeof tempDir>;
let weekFile: string;
let namesFile: string;
let goodWeek: Buffer;
let goodNames: Buffer;
/** Byte ranges of each definition in names.wdn, in NAMES order. */
let defRanges: [number, number][];

beforeAll(() => {
  tmp = tempDir();
  const store = openStore(tmp.dir);
  for (const [i, d] of INCREMENTS) store.increment(tool, NAMES[i]!, d, NOW);
  const pdir = join(tmp.dir, 'counters', programDirName(tool));
  weekFile = join(pdir, `${WEEK}.wdc`);
  namesFile = join(pdir, 'names.wdn');
  goodWeek = readFileSync(weekFile);
  goodNames = readFileSync(namesFile);
  expect(goodWeek.length).toBe(INCREMENTS.length * COUNT_RECORD_SIZE);
  let at = 0;
  defRanges = NAMES.map((n) => {
    const size = 20 + ((Buffer.byteLength(n) + 3) & ~3);
    const r: [number, number] = [at, at + size];
    at += size;
    return r;
  });
  expect(at).toBe(goodNames.length);
});
afterAll(() => tmp.remove());

function restore(): void {
  writeFileSync(weekFile, goodWeek);
  writeFileSync(namesFile, goodNames);
}

/** Counts by name, and the damage lines, as the reader sees the store now. */
function read(): { counts: Record<string, number>; damage: string[] } {
  const { rows, damage } = readStore(tmp.dir);
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.name] = (counts[r.name] ?? 0) + r.count;
  // The two readers always agree.
  const totals = readTotals(tmp.dir);
  expect(totals.damage).toEqual(damage);
  expect(Object.fromEntries(totals.totals.map((t) => [t.name, t.count]))).toEqual(counts);
  return { counts, damage };
}

/** Expected counts when only the increments `keep` survive and only names `named` are defined. */
function expected(keep: (k: number) => boolean, named: (i: number) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  INCREMENTS.forEach(([i, d], k) => {
    if (!keep(k)) return;
    const name = named(i) ? NAMES[i]! : UNKNOWN_NAME;
    out[name] = (out[name] ?? 0) + d;
  });
  return out;
}

const weekLine = (rest: string): string => `counters/tool@1.0.0/${WEEK}.wdc: ${rest}`;

describe('a week file cut at every byte offset', () => {
  it('keeps every whole record, reports the torn tail, and counts new increments after it', () => {
    for (let len = 0; len <= goodWeek.length; len++) {
      restore();
      writeFileSync(weekFile, goodWeek.subarray(0, len));
      const whole = Math.floor(len / COUNT_RECORD_SIZE);
      const torn = len % COUNT_RECORD_SIZE;
      const got = read();
      expect(got.counts).toEqual(expected((k) => k < whole));
      expect(got.damage).toEqual(torn ? [weekLine(`skipped ${torn} damaged byte${torn === 1 ? '' : 's'} at offset ${whole * COUNT_RECORD_SIZE} (to end of file)`)] : []);

      openStore(tmp.dir).increment(tool, NAMES[1]!, 100, NOW);
      const after = read();
      const want = expected((k) => k < whole);
      want[NAMES[1]!] = (want[NAMES[1]!] ?? 0) + 100;
      expect(after.counts).toEqual(want);
      expect(after.damage).toEqual(torn ? [weekLine(`skipped ${torn} damaged byte${torn === 1 ? '' : 's'} at offset ${whole * COUNT_RECORD_SIZE}`)] : []);
    }
  });
});

describe('names.wdn cut at every byte offset', () => {
  it('keeps every count, names what it can, and heals when the lost names are counted again', () => {
    for (let len = 0; len <= goodNames.length; len++) {
      restore();
      writeFileSync(namesFile, goodNames.subarray(0, len));
      const defined = (i: number): boolean => defRanges[i]![1] <= len;
      const got = read();
      expect(got.counts).toEqual(expected(() => true, defined));
      const lost = NAMES.filter((_, i) => !defined(i)).length;
      const torn = len - (defRanges.filter(([, e]) => e <= len).at(-1)?.[1] ?? 0);
      expect(got.damage.length).toBe(lost > 0 ? 1 : 0);
      if (lost > 0) {
        const incs = INCREMENTS.filter(([i]) => !defined(i)).reduce((n, [, d]) => n + d, 0);
        expect(got.damage[0]).toBe(
          `counters/tool@1.0.0/names.wdn: ${torn ? `skipped ${torn} damaged byte${torn === 1 ? '' : 's'} at offset ${len - torn} (to end of file); ` : len === 0 ? '' : ''}no definition for ${lost} name${lost === 1 ? '' : 's'} used by ${incs} increments, counted as ${UNKNOWN_NAME}`,
        );
      }
      // Counting every name again defines the lost ones after the torn tail.
      for (const n of NAMES) openStore(tmp.dir).increment(tool, n, 1000, NOW);
      const healed = read();
      const want = expected(() => true);
      for (const n of NAMES) want[n]! += 1000;
      expect(healed.counts).toEqual(want);
      expect(healed.damage.length).toBe(torn ? 1 : 0);
    }
  });
});

describe('random damage', () => {
  it('flipped bytes in the week file lose only the records they touch', () => {
    const rnd = prng(20261124);
    for (let iter = 0; iter < 1000; iter++) {
      restore();
      const b = Buffer.from(goodWeek);
      const touched = new Set<number>();
      const flips = 1 + rnd.int(4);
      for (let f = 0; f < flips; f++) {
        const at = rnd.int(b.length);
        b[at] = (b[at]! + 1 + rnd.int(255)) & 0xff; // always a different value
        touched.add(Math.floor(at / COUNT_RECORD_SIZE));
      }
      writeFileSync(weekFile, b);
      const got = read();
      expect(got.counts).toEqual(expected((k) => !touched.has(k)));
      expect(got.damage.length).toBe(1);
      expect(got.damage[0]).toMatch(new RegExp(`^counters/tool@1\\.0\\.0/${WEEK}\\.wdc: skipped \\d+ damaged bytes`));
      if (iter % 10 === 0) {
        openStore(tmp.dir).increment(tool, NAMES[2]!, 50, NOW);
        const want = expected((k) => !touched.has(k));
        want[NAMES[2]!] = (want[NAMES[2]!] ?? 0) + 50;
        expect(read().counts).toEqual(want);
      }
    }
  });

  it('flipped bytes in names.wdn lose only the names they touch, never a count', () => {
    const rnd = prng(7);
    for (let iter = 0; iter < 600; iter++) {
      restore();
      const b = Buffer.from(goodNames);
      const touched = new Set<number>();
      for (let f = 1 + rnd.int(3); f > 0; f--) {
        const at = rnd.int(b.length);
        b[at] = (b[at]! + 1 + rnd.int(255)) & 0xff;
        touched.add(defRanges.findIndex(([s, e]) => at >= s && at < e));
      }
      writeFileSync(namesFile, b);
      const got = read();
      expect(got.counts).toEqual(expected(() => true, (i) => !touched.has(i)));
      expect(got.damage.length).toBe(1);
    }
  });

  it('junk inserted anywhere shifts records off alignment without losing them', () => {
    const rnd = prng(99);
    for (let iter = 0; iter < 500; iter++) {
      restore();
      // Insert 1-3 runs of random bytes at random offsets (record boundaries or not), tracking
      // which original record each byte belongs to (-1 for junk) to know which records were split.
      let b = Buffer.from(goodWeek);
      let owner = Array.from({ length: b.length }, (_, i) => Math.floor(i / COUNT_RECORD_SIZE));
      const split = new Set<number>();
      for (let j = 1 + rnd.int(3); j > 0; j--) {
        const at = rnd.int(b.length + 1);
        const junk = Buffer.from(Array.from({ length: 1 + rnd.int(45) }, () => rnd.int(256)));
        const left = owner[at - 1];
        if (left !== undefined && left >= 0 && left === owner[at]) split.add(left);
        b = Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
        owner = [...owner.slice(0, at), ...new Array<number>(junk.length).fill(-1), ...owner.slice(at)];
      }
      writeFileSync(weekFile, b);
      const got = read();
      expect(got.counts).toEqual(expected((k) => !split.has(k)));
      expect(got.damage.length).toBe(1);
    }
  });

  it('never throws on garbage, and finds records hidden in it', () => {
    const rnd = prng(1234);
    for (let iter = 0; iter < 300; iter++) {
      restore();
      const garbage = Buffer.from(Array.from({ length: rnd.int(400) }, () => rnd.int(256)));
      // Plant the magic bytes often, to exercise resynchronisation on false starts.
      for (let j = 0; j + 4 <= garbage.length; j += 1 + rnd.int(30)) garbage.set([0xff, 0x57, 0x43, 0x31], j);
      const which = rnd.int(3);
      if (which === 0) writeFileSync(weekFile, garbage);
      else if (which === 1) writeFileSync(namesFile, garbage);
      else writeFileSync(weekFile, Buffer.concat([garbage, goodWeek.subarray(40, 100), garbage]));
      const got = read();
      if (which === 0) expect(got.counts).toEqual({});
      if (which === 1) expect(Object.keys(got.counts)).toEqual([UNKNOWN_NAME]);
      if (which === 2) expect(got.counts).toEqual(expected((k) => k >= 2 && k < 5));
    }
  });
});
