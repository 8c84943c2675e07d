/**
 * The snapshot of closed weeks (summary.wds): whatever state it is in (missing, fresh, stale,
 * damaged, written by two readers at once), a listing that uses it gives exactly what reading the
 * week files gives, damage lines included, for every --since.
 */
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { programDirName } from '../../src/counter/encoding.js';
import { NAMES_FILE, SUMMARY_FILE } from '../../src/counter/files.js';
import { UNKNOWN_HASH_HI, UNKNOWN_HASH_LO, UNKNOWN_NAME, readStore, readTopTotals, readTotals, type TotalsOptions } from '../../src/counter/read.js';
import { word } from '../../src/counter/format.js';
import { nameHash } from '../../src/counter/hash.js';
import { openStore } from '../../src/counter/store.js';
import { weekKey, weekStart } from '../../src/counter/week.js';
import { dumpStore } from '../../src/counter/dump.js';
import { prng, tempDir } from './helpers.js';

const WEEK_MS = 7 * 86_400_000;
const tool = { name: 'tool', version: '1.0.0' };
/** Monday of a week long closed, and the weeks after it. */
const BASE = weekStart('2025-W10')!.getTime();
const week = (k: number): Date => new Date(BASE + k * WEEK_MS + 3_600_000);
const stack = (i: number): string => `crash/crash\nsrc/a${i}.ts:f${i}:+${i % 7}\nsrc/cli.ts:main:+7`;

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('wd-summary-');
});
afterEach(() => tmp.remove());

const pdir = (id = tool): string => join(tmp.dir, 'counters', programDirName(id));
const summaryPath = (id = tool): string => join(pdir(id), SUMMARY_FILE);

/** Eight closed weeks of three programs' crashes, and some in the current week. */
function fill(dir: string, seed = 7): void {
  const store = openStore(dir);
  const rnd = prng(seed);
  for (const id of [tool, { name: '@scope/other', version: '2.0.0' }, { name: 'third', version: 'devel' }]) {
    for (let k = 0; k < 8; k++) for (let i = 0; i < 30; i++) if (rnd.int(3) > 0) store.increment(id, stack(rnd.int(40)), 1 + rnd.int(5), week(k));
    for (let i = 0; i < 10; i++) store.increment(id, stack(rnd.int(60)), 1 + rnd.int(3));
    store.increment(id, 'other/counter', 2, week(3));
  }
}

/** Every `since` that matters: before, at and between the weeks, the current week, the future. */
function sinces(): (Date | undefined)[] {
  const out: (Date | undefined)[] = [undefined, new Date('2001-01-01T00:00:00Z')];
  for (let k = -1; k <= 9; k++) out.push(week(k));
  out.push(new Date(), new Date(Date.now() + 2 * WEEK_MS));
  return out;
}

/** Most frequent first, then program, version, name: the listings' order. */
const byListing = (a: { count: number; program: string; version: string; name: string }, b: typeof a): number =>
  b.count - a.count || (a.program < b.program ? -1 : a.program > b.program ? 1 : 0) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Reading with the snapshots gives what reading the files gives, for every since, and so do the
 * top totals with a prefix; returns the plain result.
 */
function expectSameAsFiles(dir: string, extra: TotalsOptions = {}): ReturnType<typeof readTotals> {
  const plain = readTotals(dir, { ...extra });
  for (const since of sinces()) {
    const o = { ...extra, since };
    const want = readTotals(dir, o);
    expect(readTotals(dir, { ...o, summaries: true }), String(since?.toISOString())).toEqual(want);
  }
  for (const prefix of ['crash/', 'crash/crash\nsrc/a1', '']) {
    const all = plain.totals.filter((t) => t.name.startsWith(prefix)).sort(byListing);
    for (const limit of [3, undefined]) {
      const top = readTopTotals(dir, { ...extra, summaries: true, prefix, limit });
      expect(top.totals, `${prefix} ${limit}`).toEqual(all.slice(0, limit ?? all.length));
      expect(top.more).toBe(all.length - top.totals.length);
      expect(top.damage).toEqual(plain.damage);
    }
  }
  return plain;
}

describe('the snapshot of closed weeks', () => {
  it('is written by the first listing, mode 0600, and then read instead of the closed week files', () => {
    fill(tmp.dir);
    expect(existsSync(summaryPath())).toBe(false);
    const want = readTotals(tmp.dir);
    expect(readTotals(tmp.dir, { summaries: true })).toEqual(want);
    expect(existsSync(summaryPath())).toBe(true);
    expect(statSync(summaryPath()).mode & 0o777).toBe(0o600);
    const written = statSync(summaryPath()).mtimeMs;
    expectSameAsFiles(tmp.dir);
    expect(statSync(summaryPath()).mtimeMs).toBe(written); // fresh: not written again
    // Proof that the closed weeks come from it: a closed week's bytes changed behind the
    // store's back (the snapshot trusts that summarised bytes never change) are not seen.
    const closedFile = join(pdir(), `${weekKey(week(2))}.wdc`);
    const bytes = readFileSync(closedFile);
    bytes.fill(0xee, 0, 40);
    writeFileSync(closedFile, bytes);
    expect(readTotals(tmp.dir, { summaries: true })).toEqual(want);
    expect(readTotals(tmp.dir)).not.toEqual(want);
  });

  it('leaves a store with only the current week as it is', () => {
    const store = openStore(tmp.dir);
    store.increment(tool, stack(1));
    readTotals(tmp.dir, { summaries: true });
    expect(readdirSync(pdir()).sort()).toEqual([`${weekKey(new Date())}.wdc`, NAMES_FILE]);
  });

  it('is stale after an append to a closed week: the writer removes it, the next listing writes it again', () => {
    fill(tmp.dir);
    readTotals(tmp.dir, { summaries: true });
    expect(existsSync(summaryPath())).toBe(true);
    openStore(tmp.dir).increment(tool, stack(3), 1000, week(1)); // a late append, e.g. a transfer
    expect(existsSync(summaryPath())).toBe(false);
    const totals = expectSameAsFiles(tmp.dir).totals;
    expect(totals.find((t) => t.program === 'tool' && t.name === stack(3))!.count).toBeGreaterThanOrEqual(1000);
    expect(existsSync(summaryPath())).toBe(true);
    // An append to the current week needs nothing: it is read from its file.
    openStore(tmp.dir).increment(tool, stack(4), 77);
    expect(existsSync(summaryPath())).toBe(true);
    expectSameAsFiles(tmp.dir);
  });

  it('covers the current week as far as it went: read on from there, written again once far behind', () => {
    fill(tmp.dir);
    readTotals(tmp.dir, { summaries: true });
    const first = readFileSync(summaryPath());
    const store = openStore(tmp.dir);
    // A few more in the current week: read from the snapshot's end of it, snapshot kept.
    for (let i = 0; i < 20; i++) store.increment(tool, stack(i % 3), 1);
    expectSameAsFiles(tmp.dir);
    expect(readFileSync(summaryPath()).equals(first)).toBe(true);
    // Damage after it in the current week (a torn record), then more: reported as the files say.
    appendFileSync(join(pdir(), `${weekKey(new Date())}.wdc`), Buffer.from([0xff, 0x57, 0x43, 0x31, 7]));
    store.increment(tool, stack(1), 1);
    expectSameAsFiles(tmp.dir);
    // Far behind (more than 32 KiB since): written again, reading the current week from its new end.
    const other = { name: 'busy', version: '1' };
    for (let k = 0; k < 3; k++) store.increment(other, stack(k), 1, week(k));
    readTotals(tmp.dir, { summaries: true });
    const busy = readFileSync(join(pdir(other), SUMMARY_FILE));
    for (let i = 0; i < 1700; i++) store.increment(other, stack(i % 5), 1);
    expectSameAsFiles(tmp.dir);
    expect(readFileSync(join(pdir(other), SUMMARY_FILE)).equals(busy)).toBe(false);
    // The current week's file cut short, or replaced: not what it summarised, so not used.
    const current = join(pdir(), `${weekKey(new Date())}.wdc`);
    truncateSync(current, 40);
    expectSameAsFiles(tmp.dir);
    writeFileSync(current, readFileSync(join(pdir(), `${weekKey(week(3))}.wdc`)));
    expectSameAsFiles(tmp.dir);
  });

  it('is stale once its week has ended: used for the weeks it covers, then written again', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // A Wednesday of a week long closed plays "now"; then the clock moves on a week, then three.
      const wednesday = (k: number): Date => new Date(BASE + k * WEEK_MS + 2 * 86_400_000 + 3_600_000);
      vi.setSystemTime(wednesday(20));
      const store = openStore(tmp.dir);
      for (let k = 10; k <= 20; k++) for (let i = 0; i < 12; i++) store.increment(tool, stack(i), 1 + (i % 3), week(k));
      expectSameAsFiles(tmp.dir);
      expect(dumpStore(tmp.dir)).toContain(`and ${statSync(join(pdir(), `${weekKey(week(20))}.wdc`)).size} bytes of ${weekKey(week(20))}`);
      store.increment(tool, stack(1), 5); // the current week, after the snapshot
      expectSameAsFiles(tmp.dir);
      vi.setSystemTime(wednesday(21));
      store.increment(tool, stack(2), 7);
      expectSameAsFiles(tmp.dir);
      expect(dumpStore(tmp.dir)).toMatch(new RegExp(`11 closed weeks, ${weekKey(week(10))}\\.\\.${weekKey(week(20))}, and \\d+ bytes of ${weekKey(week(21))}`));
      vi.setSystemTime(wednesday(24));
      expectSameAsFiles(tmp.dir);
    } finally {
      vi.useRealTimers();
    }
  });

  it('taken in a week before the current week file existed: not trusted once that week is over', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const wednesday = (k: number): Date => new Date(BASE + k * WEEK_MS + 2 * 86_400_000 + 3_600_000);
      vi.setSystemTime(wednesday(30));
      const store = openStore(tmp.dir);
      for (let k = 25; k < 30; k++) store.increment(tool, stack(k), 2, week(k));
      expectSameAsFiles(tmp.dir); // a snapshot of weeks 25-29, none of week 30 (no file yet)
      store.increment(tool, stack(30), 3); // week 30's file appears: the current week's
      expectSameAsFiles(tmp.dir);
      vi.setSystemTime(wednesday(31));
      const totals = expectSameAsFiles(tmp.dir).totals;
      expect(totals.find((t) => t.name === stack(30))).toMatchObject({ count: 3, weeks: [weekKey(week(30))] });
    } finally {
      vi.useRealTimers();
    }
  });

  it('stands for the week files: one removed by hand counts until the snapshot is removed too', () => {
    fill(tmp.dir);
    const want = readTotals(tmp.dir, { summaries: true });
    unlinkSync(join(pdir(), `${weekKey(week(0))}.wdc`));
    expect(readTotals(tmp.dir, { summaries: true })).toEqual(want); // as docs/store.md says
    unlinkSync(summaryPath());
    expectSameAsFiles(tmp.dir);
  });

  it('is ignored when damaged, wherever the damage is, and written again', () => {
    fill(tmp.dir);
    const want = readTotals(tmp.dir);
    readTotals(tmp.dir, { summaries: true });
    const good = readFileSync(summaryPath());
    const rnd = prng(99);
    const positions = [0, 4, 8, 16, 20, 36, 40, 44, 60, good.length - 1, good.length - 4];
    for (let k = 0; k < 60; k++) positions.push(rnd.int(good.length));
    for (const at of positions) {
      const bad = Buffer.from(good);
      bad[at] = bad[at]! ^ (1 + rnd.int(255));
      writeFileSync(summaryPath(), bad);
      expect(readTotals(tmp.dir, { summaries: true }), `byte ${at}`).toEqual(want);
      // For --since the per-week sums are read: damage there is caught too.
      writeFileSync(summaryPath(), bad);
      for (const since of [week(4), week(7)]) expect(readTotals(tmp.dir, { summaries: true, since }), `byte ${at}`).toEqual(readTotals(tmp.dir, { since }));
    }
    for (const len of [0, 3, 16, 63, 64, 1000, good.length >> 1, good.length - 4]) {
      writeFileSync(summaryPath(), good.subarray(0, len));
      expect(readTotals(tmp.dir, { summaries: true }), `cut at ${len}`).toEqual(want);
      // Cut in its per-week sums, it still serves listings without --since; with one, the cut shows.
      if (len < 1000) expect(readFileSync(summaryPath()).equals(good.subarray(0, len))).toBe(false);
      writeFileSync(summaryPath(), good.subarray(0, len));
      for (const since of [week(4), week(7)]) expect(readTotals(tmp.dir, { summaries: true, since }), `cut at ${len}`).toEqual(readTotals(tmp.dir, { since }));
    }
    writeFileSync(summaryPath(), 'not a snapshot at all');
    expectSameAsFiles(tmp.dir);
  });

  it('is written again when deleted', () => {
    fill(tmp.dir);
    const want = readTotals(tmp.dir, { summaries: true });
    const first = readFileSync(summaryPath());
    unlinkSync(summaryPath());
    expect(readTotals(tmp.dir, { summaries: true })).toEqual(want);
    expect(existsSync(summaryPath())).toBe(true);
    expect(readFileSync(summaryPath()).subarray(96).equals(first.subarray(96))).toBe(true); // all but the header (its time)
  });

  it('keeps --since exact, for every week boundary, with and without a fresh snapshot', () => {
    fill(tmp.dir);
    expectSameAsFiles(tmp.dir); // first: written along the way
    expectSameAsFiles(tmp.dir); // then: used
    expectSameAsFiles(tmp.dir, { program: 'tool' });
    expectSameAsFiles(tmp.dir, { program: '@scope/other@2.0.0' });
  });

  it('gives the same top totals, with a prefix, as sorting what the files give', () => {
    fill(tmp.dir);
    for (let pass = 0; pass < 2; pass++) {
      const all = readTotals(tmp.dir).totals.filter((t) => t.name.startsWith('crash/'));
      all.sort((a, b) => b.count - a.count || (a.program < b.program ? -1 : a.program > b.program ? 1 : 0) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const limit of [1, 5, 20, all.length - 1, all.length, all.length + 5, undefined]) {
        const top = readTopTotals(tmp.dir, { summaries: true, prefix: 'crash/', limit });
        expect(top.totals).toEqual(all.slice(0, limit ?? all.length));
        expect(top.more).toBe(all.length - top.totals.length);
      }
      expect(readTopTotals(tmp.dir, { summaries: true, prefix: 'other/' }).totals.map((t) => t.name)).toEqual(['other/counter', 'other/counter', 'other/counter']);
      expect(readTopTotals(tmp.dir, { summaries: true, prefix: 'crash/crash\nsrc/a1' }).totals.every((t) => t.name.startsWith('crash/crash\nsrc/a1'))).toBe(true);
    }
  });

  it('handles names: new ones after it, lost definitions, names.wdn cut or replaced', () => {
    fill(tmp.dir);
    readTotals(tmp.dir, { summaries: true });
    // New names defined after the snapshot (in the current week).
    const store = openStore(tmp.dir);
    for (let i = 100; i < 110; i++) store.increment(tool, stack(i), 2);
    expectSameAsFiles(tmp.dir);
    // names.wdn cut short: definitions lost, their increments counted as unknown, and reported.
    const names = join(pdir(), NAMES_FILE);
    const whole = readFileSync(names);
    truncateSync(names, 200);
    const cut = expectSameAsFiles(tmp.dir);
    expect(cut.damage.some((d) => d.includes('names.wdn'))).toBe(true);
    // Counting a lost name again defines it again, and its old increments get their name back.
    store.increment(tool, stack(1), 1);
    expectSameAsFiles(tmp.dir);
    // names.wdn back as it was, then with a torn definition at its end.
    writeFileSync(names, whole);
    expectSameAsFiles(tmp.dir);
    appendFileSync(names, whole.subarray(0, 30));
    expectSameAsFiles(tmp.dir);
    store.increment(tool, stack(200), 1);
    expectSameAsFiles(tmp.dir);
    unlinkSync(names);
    expectSameAsFiles(tmp.dir);
  });

  it('counts closed weeks with damage and increments without definitions exactly, damage lines included', () => {
    const store = openStore(tmp.dir);
    for (let k = 0; k < 4; k++) for (let i = 0; i < 5; i++) store.increment(tool, stack(i), k + 1, week(k));
    // A torn record in a closed week, and increments whose definition was never written.
    appendFileSync(join(pdir(), `${weekKey(week(1))}.wdc`), Buffer.from([0xff, 0x57, 0x43, 0x31, 1, 2, 3]));
    const other = join(tmp.dir, 'other');
    openStore(other).increment(tool, 'crash/nameless', 9, week(2));
    appendFileSync(join(pdir(), `${weekKey(week(2))}.wdc`), readFileSync(join(other, 'counters', programDirName(tool), `${weekKey(week(2))}.wdc`)));
    const r = expectSameAsFiles(tmp.dir);
    expect(r.damage).toHaveLength(2);
    expectSameAsFiles(tmp.dir);
    // Its name defined after the snapshot (which has it as nameless): named again, and found by prefix.
    store.increment(tool, 'crash/nameless', 1);
    const named = expectSameAsFiles(tmp.dir);
    expect(named.totals.find((t) => t.name === 'crash/nameless')?.count).toBe(10);
    expect(readTopTotals(tmp.dir, { summaries: true, prefix: 'crash/n' }).totals.map((t) => t.name)).toEqual(['crash/nameless']);
  });

  it('matches the files under random histories: increments old and new, damage, snapshots dropped and damaged', () => {
    const store = openStore(tmp.dir);
    const rnd = prng(2024);
    for (let step = 0; step < 40; step++) {
      const op = rnd.int(10);
      const id = rnd.int(3) === 0 ? { name: 'b', version: '1' } : tool;
      if (op < 5) {
        const when = rnd.int(3) === 0 ? new Date() : week(rnd.int(10));
        for (let i = 0; i < 1 + rnd.int(20); i++) store.increment(id, stack(rnd.int(25)), 1 + rnd.int(9), when);
      } else if (op === 5 && existsSync(join(pdir(id), SUMMARY_FILE))) {
        unlinkSync(join(pdir(id), SUMMARY_FILE));
      } else if (op === 6 && existsSync(join(pdir(id), SUMMARY_FILE))) {
        const b = readFileSync(join(pdir(id), SUMMARY_FILE));
        const at = rnd.int(b.length);
        b[at] = b[at]! ^ 0x40;
        writeFileSync(join(pdir(id), SUMMARY_FILE), b);
      } else if (op === 7 && existsSync(join(pdir(id), NAMES_FILE))) {
        appendFileSync(join(pdir(id), NAMES_FILE), Buffer.from([0xff, 0x57, 0x4e, 0x31, 9, 0, 0]));
      } else if (op === 8) {
        appendFileSync(join(pdir(id), `${weekKey(new Date())}.wdc`), Buffer.from([0xff, 0x57, 0x43]));
      }
      const got = readTotals(tmp.dir, { summaries: true });
      expect(got, `step ${step}`).toEqual(readTotals(tmp.dir));
      if (step % 8 === 7) expectSameAsFiles(tmp.dir);
    }
  });

  it('is shown by dump and env', () => {
    fill(tmp.dir);
    readTotals(tmp.dir, { summaries: true });
    const dump = dumpStore(tmp.dir);
    expect(dump).toMatch(/counters\/tool@1\.0\.0\/summary\.wds: \d+ bytes\n +0 {2}snapshot taken \S+: 8 closed weeks, 2025-W10\.\.2025-W17, and \d+ bytes of \d{4}-W\d\d, \d+ names, \d+ counted; names\.wdn bytes \[0, \d+\) intact\n/);
    expect(dump).toMatch(/ week {5}2025-W10 {2}\d+ bytes summarised, \d+ sums\n/);
    expect(dump).toMatch(/ week {5}\d{4}-W\d\d {2}\d+ bytes summarised, \d+ sums, open week: read on from there\n/);
    expect(dump).toMatch(/ total {4}[0-9a-f]{16} {2}\d+ in \d+ weeks?\n/);
    writeFileSync(summaryPath(), 'garbage!');
    expect(dumpStore(tmp.dir)).toContain('summary.wds: 8 bytes\n         0  not a valid snapshot: ignored, and written again by the next listing');
  });
});

describe('constants', () => {
  it("UNKNOWN_NAME's hash, kept as a constant so the listing carries no SHA-256, is its hash", () => {
    const h = nameHash(Buffer.from(UNKNOWN_NAME));
    expect([word(h, 0), word(h, 4)]).toEqual([UNKNOWN_HASH_LO, UNKNOWN_HASH_HI]);
  });
});

describe('snapshots and concurrency', () => {
  it('readers writing it at once, and writers appending to closed weeks meanwhile, never leave a wrong one', async () => {
    const bundle = join(tmp.dir, 'reader.cjs');
    await build({
      stdin: {
        contents: `const { readTotals } = require('./src/counter/read.ts'); const { openStore } = require('./src/counter/store.ts');
const [mode, dir, n] = process.argv.slice(2);
const week = (k) => new Date(${BASE} + k * ${WEEK_MS} + 3600000);
const out = [];
for (let i = 0; i < Number(n); i++) {
  if (mode === 'read') out.push(JSON.stringify(readTotals(dir, { summaries: true })));
  else openStore(dir).increment({ name: 'tool', version: '1.0.0' }, 'crash/late', 1, week(i % 8));
}
process.stdout.write(String(out.length));`,
        resolveDir: fileURLToPath(new URL('../..', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'error',
    });
    fill(tmp.dir);
    const run = (mode: string, n: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bundle, mode, tmp.dir, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${mode}: status ${code}`))));
      });
    // Two rounds: readers alone racing to write it, then readers racing writers of late appends.
    await Promise.all([run('read', 5), run('read', 5), run('read', 5)]);
    expect(readTotals(tmp.dir, { summaries: true })).toEqual(readTotals(tmp.dir));
    await Promise.all([run('read', 20), run('read', 20), run('write', 200), run('write', 200)]);
    expect(readTotals(tmp.dir, { summaries: true })).toEqual(readTotals(tmp.dir));
    expect(readTotals(tmp.dir).totals.find((t) => t.program === 'tool' && t.name === 'crash/late')!.count).toBe(400);
    expect(readdirSync(pdir()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readStore(tmp.dir).damage).toEqual([]);
  }, 60_000);
});
