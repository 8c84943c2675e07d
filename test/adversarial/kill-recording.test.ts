/**
 * End to end, nothing recorded is lost: 32 real watchdogs (`watchdog -- node main.js` of the
 * cjs-nested fixture) crash at once while some are SIGKILLed, at random moments or just after
 * their child has died (when they are recording), round after round, into one store.
 *
 * A watchdog that exited normally finished recording: the store must hold at least that many
 * increments. A killed one may or may not have written, and its orphaned child, when it crashes
 * after the kill, records through the spool instead: at most one each more. The store must
 * read back with no damage but a record cut short by a kill, and every damaged stretch must be
 * the start of a record (which, on Linux, a small write() never is: a kill lands before or
 * after it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COUNT_MAGIC_BYTES, COUNT_RECORD_SIZE, NAME_MAGIC_BYTES, Records, decodeCounts, decodeNames } from '../../src/counter/format.js';
import { FIXTURES, alive, expectPrivate, listing, noneLeft, prng, scaled, sleep, startWatchdog, tempDir, total, type Running } from './helpers.js';

const CONCURRENT = 32;
const ROUNDS = scaled(2);
const SEED = 0x5eed + ROUNDS;

const tmp = tempDir();
afterAll(() => tmp.remove());
/** Every process of this test carries it, so the orphans of killed watchdogs can be waited for. */
const MARKER_NAME = 'WD_ADV_KILL_TEST';
const MARKER_VALUE = String(process.pid);

/** The watchdog's live children (by /proc), or null once it is gone. */
function childrenOf(pid: number): number[] | null {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(' ').filter(Boolean).map(Number);
  } catch {
    return null;
  }
}

interface Victim {
  run: Running;
  /** True when the kill came after the child was gone: the watchdog was recording. */
  whileRecording: boolean;
}

/** Waits until the watchdog has had a child and that child has died, then kills it after `delay` ms. */
async function killWhileRecording(run: Running, delay: number): Promise<boolean> {
  const pid = run.child.pid!;
  let hadChild = false;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const kids = childrenOf(pid);
    if (kids === null) return false; // it finished first
    if (kids.length > 0) hadChild = true;
    if (hadChild && kids.every((k) => !alive(k))) break;
    await sleep(2);
  }
  if (delay > 0) await sleep(delay);
  run.child.kill('SIGKILL');
  return true;
}

describe('SIGKILLed while recording, end to end', () => {
  it(`${CONCURRENT} concurrent watchdogs x ${ROUNDS} rounds: the total is exact within the kills, nothing is damaged`, { timeout: 60_000 * ROUNDS }, async () => {
    const store = join(tmp.dir, 'store');
    const rnd = prng(SEED);
    const cwd = join(FIXTURES, 'cjs-nested');
    let exitedNormally = 0;
    let killed = 0;
    let killedWhileRecording = 0;
    let started = 0;
    /** How long an undisturbed run takes under this load, to spread the random kills over. */
    let span = 3000;
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = Date.now();
      const runs = Array.from({ length: CONCURRENT }, () => startWatchdog(['--', 'node', 'main.js'], store, { cwd, env: { [MARKER_NAME]: MARKER_VALUE } }));
      started += runs.length;
      // A third are left alone, a third killed at a random moment, a third just after their child died.
      const plans = runs.map((run) => {
        const r = rnd.int(3);
        if (r === 0) return Promise.resolve<Victim | null>(null);
        if (r === 1) {
          const at = rnd.int(span);
          return sleep(at).then(() => {
            run.child.kill('SIGKILL');
            return { run, whileRecording: false };
          });
        }
        const delay = rnd.int(40);
        return killWhileRecording(run, delay).then((sent) => (sent ? { run, whileRecording: true } : null));
      });
      const victims = (await Promise.all(plans)).filter((v): v is Victim => v !== null);
      const ends = await Promise.all(runs.map((r) => r.exited.then((e) => ({ ...e, at: Date.now() - t0 }))));
      const normal = ends.filter((e) => e.signal === null);
      for (const e of normal) expect(e.code, 'a normal end is the child status').toBe(1);
      for (const e of ends) if (e.signal !== null) expect(e.signal).toBe('SIGKILL');
      exitedNormally += normal.length;
      killed += ends.length - normal.length;
      killedWhileRecording += victims.filter((v) => v.whileRecording && v.run.child.signalCode === 'SIGKILL').length;
      // Watchdogs that ended by themselves said nothing of their own.
      for (const r of runs) if (r.child.signalCode === null) expect(r.stderr()).not.toMatch(/^watchdog:/m);
      if (normal.length > 0) span = Math.max(500, Math.max(...normal.map((e) => e.at)));
      // The children of killed watchdogs crash on their own, their channel gone: their records
      // go to the spool (docs/channel.md), which the listing collects. Let them all finish.
      await noneLeft(`${MARKER_NAME}=${MARKER_VALUE}`);
    }

    const l = await listing(store);
    expect(l.code).toBe(0);
    const count = total(l.counters);
    console.log(`kill-recording: ${started} runs, ${exitedNormally} ended normally, ${killed} SIGKILLed (${killedWhileRecording} after their child died), store total ${count}`);
    expect(count).toBeGreaterThanOrEqual(exitedNormally);
    expect(count).toBeLessThanOrEqual(started);
    // One crash, one name: nothing under a lost or unknown name.
    expect(l.counters.map((c) => c.name.split('\n')[0])).toEqual(['crash/crash']);
    // Damage, if any, only a record cut short; checked on the bytes too.
    for (const line of l.stderrLines) expect(line).toMatch(/: skipped \d+ damaged bytes? at offset \d+$/);
    const pdir = join(store, 'counters', 'fixture-cjs-nested@1.0.0');
    let records = 0;
    for (const f of readdirSync(pdir)) {
      const b = readFileSync(join(pdir, f));
      const r = new Records();
      const week = f.endsWith('.wdc');
      (week ? decodeCounts : decodeNames)(b, b.length, r);
      for (let d = 0; d < r.damage.length; d += 2) {
        const [at, len] = [r.damage[d]!, r.damage[d + 1]!];
        const magic = week ? COUNT_MAGIC_BYTES : NAME_MAGIC_BYTES;
        expect(b.subarray(at, at + Math.min(4, len)).equals(magic.subarray(0, Math.min(4, len))), `${f} at ${at}`).toBe(true);
        if (week) expect(len).toBeLessThan(COUNT_RECORD_SIZE);
      }
      if (week) records += r.n;
    }
    expect(records, 'increment records in the week files').toBe(count);
    expect(killedWhileRecording).toBeGreaterThan(0);
    expectPrivate(store, ['secret-argument']);
  });
});
