/**
 * Processes SIGKILLed while they increment: every increment a process reported as done must be in
 * the store, at most the one in flight may be extra, and the only damage allowed is a record cut
 * short by the kill (in practice Linux finishes a small write() before delivering the signal).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNT_MAGIC_BYTES, COUNT_RECORD_SIZE, NAME_MAGIC_BYTES, Records, decodeCounts, decodeNames } from '../../src/counter/format.js';
import { readStore } from '../../src/counter/read.js';
import { bundleStore, prng, tempDir } from './helpers.js';

const PROCESSES = 8;
const ROUNDS = 3;

let tmp: ReturnType<typeof tempDir>;
let driver: string;
beforeAll(async () => {
  tmp = tempDir();
  const bundle = await bundleStore(tmp.dir);
  driver = join(tmp.dir, 'driver.cjs');
  // Each completed increment is reported on stdout with a single write(), after increment() returned,
  // under the name it was counted as.
  writeFileSync(
    driver,
    `const fs = require('fs');
const [dir, me] = process.argv.slice(2);
const store = require(${JSON.stringify(bundle)}).openStore(dir);
const id = { name: 'kill', version: '1.0.0' };
const now = new Date('2026-11-24T12:00:00Z');
for (let k = 0; ; k++) {
  // Own, shared, and fresh names (a fresh name takes two writes: definition, then increment).
  const name = k % 5 === 0 ? 'crash/fresh-' + me + '-' + k : k % 2 ? 'crash/shared' : 'crash/own-' + me;
  const counted = store.increment(id, name, 1, now).name; // crash/overflow past the cap
  fs.writeSync(1, counted + '\\n');
}
`,
  );
});
afterAll(() => tmp.remove());

interface Worker {
  child: ChildProcess;
  lines: string[];
  exited: Promise<void>;
}

function start(store: string, me: string): Worker {
  const child = spawn(process.execPath, [driver, store, me], { stdio: ['ignore', 'pipe', 'inherit'] });
  const w: Worker = { child, lines: [], exited: Promise.resolve() };
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    w.lines.push(...parts);
  });
  w.exited = new Promise((resolve) => child.on('close', () => resolve()));
  return w;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SIGKILL at random moments', () => {
  it(`${PROCESSES} processes x ${ROUNDS} rounds: every reported increment is in the store`, { timeout: 60_000 }, async () => {
    const store = join(tmp.dir, 'store');
    const rnd = prng(42);
    const reported = new Map<string, number>();
    let inFlightBound = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const workers = Array.from({ length: PROCESSES }, (_, p) => start(store, `${round}.${p}`));
      // Wait until every worker is incrementing, then kill each at its own random moment.
      const deadline = Date.now() + 20_000;
      while (workers.some((w) => w.lines.length < 20) && Date.now() < deadline) await sleep(10);
      await Promise.all(
        workers.map(async (w) => {
          await sleep(rnd.int(200));
          w.child.kill('SIGKILL');
          await w.exited;
        }),
      );
      for (const w of workers) {
        expect(w.child.signalCode).toBe('SIGKILL');
        expect(w.lines.length).toBeGreaterThanOrEqual(20);
        for (const name of w.lines) reported.set(name, (reported.get(name) ?? 0) + 1);
      }
      inFlightBound += PROCESSES;
    }

    const { rows, damage } = readStore(store);
    const stored = new Map(rows.map((r) => [r.name, r.count]));
    let extra = 0;
    for (const [name, n] of reported) {
      const s = stored.get(name) ?? 0;
      expect(s, name).toBeGreaterThanOrEqual(n);
      extra += s - n;
    }
    for (const [name, s] of stored) if (!reported.has(name)) extra += s;
    // At most the increment each killed process was in the middle of.
    expect(extra).toBeLessThanOrEqual(inFlightBound);

    // Damage, if any, can only be the start of a record cut short.
    const dir = join(store, 'counters', 'kill@1.0.0');
    for (const f of readdirSync(dir)) {
      const b = readFileSync(join(dir, f));
      const r = new Records();
      (f.endsWith('.wdc') ? decodeCounts : decodeNames)(b, b.length, r);
      for (let d = 0; d < r.damage.length; d += 2) {
        const [at, len] = [r.damage[d]!, r.damage[d + 1]!];
        const magic = f.endsWith('.wdc') ? COUNT_MAGIC_BYTES : NAME_MAGIC_BYTES;
        expect(b.subarray(at, at + Math.min(4, len)).equals(magic.subarray(0, Math.min(4, len))), `${f} at ${at}`).toBe(true);
        if (f.endsWith('.wdc')) expect(len).toBeLessThan(COUNT_RECORD_SIZE);
      }
    }
    expect(damage.every((line) => /damaged byte/.test(line))).toBe(true);
  });
});
