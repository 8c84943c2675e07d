/**
 * 16 real processes increment at once: one counter they all share, one each of their own, and
 * names they all define for the first time together. No increment may be lost, and the duplicate
 * definitions the races leave must not show.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpStore } from '../../src/counter/dump.js';
import { readStore, readTotals } from '../../src/counter/read.js';
import { bundleStore, tempDir } from './helpers.js';

const PROCESSES = 16;
const ROUNDS = 500;
const RACE_NAMES = 25;

let tmp: ReturnType<typeof tempDir>;
let driver: string;
beforeAll(async () => {
  tmp = tempDir();
  const bundle = await bundleStore(tmp.dir);
  driver = join(tmp.dir, 'driver.cjs');
  writeFileSync(
    driver,
    `const [dir, me, rounds, startAt] = process.argv.slice(2);
const store = require(${JSON.stringify(bundle)}).openStore(dir);
const id = { name: 'conc', version: '1.0.0' };
const now = new Date('2026-11-24T12:00:00Z');
while (Date.now() < Number(startAt)) {} // start together
for (let i = 0; i < Number(rounds); i++) {
  store.increment(id, 'crash/shared', 1, now);
  store.increment(id, 'crash/own-' + me, 1, now);
  store.increment(id, 'crash/race-' + (i % ${RACE_NAMES}) + '\\nsrc/x.ts:f:+' + (i % ${RACE_NAMES}), 1, now);
}
`,
  );
});
afterAll(() => tmp.remove());

function run(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('concurrent processes', () => {
  it(`${PROCESSES} processes x ${ROUNDS} rounds lose no increment`, { timeout: 60_000 }, async () => {
    const store = join(tmp.dir, 'store');
    const startAt = Date.now() + 1500; // after every process has started
    const codes = await Promise.all(Array.from({ length: PROCESSES }, (_, p) => run([driver, store, String(p), String(ROUNDS), String(startAt)])));
    expect(codes).toEqual(new Array(PROCESSES).fill(0));

    const { rows, damage } = readStore(store);
    expect(damage).toEqual([]);
    const counts = Object.fromEntries(rows.map((r) => [r.name, r.count]));
    const want: Record<string, number> = { 'crash/shared': PROCESSES * ROUNDS };
    for (let p = 0; p < PROCESSES; p++) want[`crash/own-${p}`] = ROUNDS;
    for (let j = 0; j < RACE_NAMES; j++) want[`crash/race-${j}\nsrc/x.ts:f:+${j}`] = (PROCESSES * ROUNDS) / RACE_NAMES;
    expect(counts).toEqual(want);
    expect(rows.length).toBe(Object.keys(want).length); // one row per name: duplicates collapsed
    expect(readTotals(store).totals.reduce((n, t) => n + t.count, 0)).toBe(3 * PROCESSES * ROUNDS);

    // Every name is defined at least once; racing first increments may have defined some twice.
    const definitions = dumpStore(store).split('\n').filter((l) => / name {5}/.test(l)).length;
    expect(definitions).toBeGreaterThanOrEqual(Object.keys(want).length);
  });
});
