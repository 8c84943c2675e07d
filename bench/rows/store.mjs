/**
 * Row 4, the store, through its API (src/counter/store.ts, bundled with esbuild into
 * bench/.work/store/driver.cjs; see programs/store-driver.js).
 * 4a: 16 processes at once, each incrementing a shared counter and its own 500 times; released
 *     together through a barrier (each loads, says `ready`, waits for a byte on stdin). Every
 *     increment must be there afterwards, as `watchdog counters --json` reads the store.
 *     Throughput: all increments over the span from the first process's start of incrementing
 *     to the last one's end (shared clock), the median of ROUNDS rounds.
 * 4b: one increment from a fresh process: `driver.cjs one` against `driver.cjs --noop` (same
 *     process, same bundle, no increment), interleaved; the difference of medians.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bundle } from '../lib/bundle.mjs';
import { BENCH, NODE, freshDir } from '../lib/paths.mjs';
import { cpuNote, fmt, verdict } from '../lib/table.mjs';
import { interleave, median, runOnce, summarize, tail } from '../lib/timing.mjs';

export const id = 'store';
export const number = 4;
export const title = 'store';
export const PROCESSES = 16;
export const ROUNDS_PER_PROCESS = 500;
export const ROUNDS = 3;
export const TARGET_ONE_MS = 5;
const SHARED = 'crash/crash\nbench/store.js:shared:+1';
const own = (i) => `crash/crash\nbench/store.js:own${i}:+1`;

function startDriver(driver, dir, index) {
  const child = spawn(NODE, [driver, 'burst', dir, String(index), String(ROUNDS_PER_PROCESS)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', () => out.includes('ready\n') && resolve());
    child.on('close', () => reject(new Error(`driver ${index} exited before it was ready:\n${tail(err)}`)));
  });
  const done = new Promise((resolve, reject) => {
    // 'close', not 'exit': by then everything the driver wrote has been read.
    child.on('close', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`driver ${index}: status ${code ?? signal}\n${tail(err)}`))));
  });
  return { child, ready, done };
}

/** One round: all drivers at once; returns increments per second and what the store holds afterwards. */
async function burst(ctx, driver, dir) {
  const drivers = Array.from({ length: PROCESSES }, (_, i) => startDriver(driver, dir, i));
  await Promise.all(drivers.map((d) => d.ready));
  for (const d of drivers) d.child.stdin.end('g');
  const outputs = await Promise.all(drivers.map((d) => d.done));
  const spans = outputs.map((o, i) => {
    const m = /^bench-burst=(\S+) (\S+)$/m.exec(o);
    if (!m) throw new Error(`driver ${i} reported no span:\n${tail(o)}`);
    return [Number(m[1]), Number(m[2])];
  });
  const seconds = (Math.max(...spans.map((s) => s[1])) - Math.min(...spans.map((s) => s[0]))) / 1000;
  const increments = PROCESSES * ROUNDS_PER_PROCESS * 2;
  const r = runOnce({ label: 'watchdog counters --json', cmd: NODE, args: [ctx.dist.cli, 'counters', '--json'], env: { ...ctx.env, WATCHDOG_DIR: dir }, stdoutFile: join(dir, '..', 'store-counters.json') });
  const counters = JSON.parse(r.stdout.toString('utf8'));
  const count = (name) => counters.find((c) => c.name === name)?.count ?? 0;
  const expected = [[SHARED, PROCESSES * ROUNDS_PER_PROCESS], ...Array.from({ length: PROCESSES }, (_, i) => [own(i), ROUNDS_PER_PROCESS])];
  const lost = expected.reduce((sum, [name, n]) => sum + Math.max(0, n - count(name)), 0);
  const extra = counters.reduce((s, c) => s + c.count, 0) - increments + lost;
  return { rate: increments / seconds, seconds, lost, extra, damage: r.stderr.toString('utf8').trim() };
}

export async function run(ctx) {
  const driver = join(freshDir('store'), 'driver.cjs');
  await bundle({ entry: join(BENCH, 'programs', 'store-driver.js'), outfile: driver });

  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await burst(ctx, driver, freshDir('store-burst')));
  const rate = median(rounds.map((r) => r.rate));
  const lost = rounds.reduce((s, r) => s + r.lost, 0);
  const extra = rounds.reduce((s, r) => s + r.extra, 0);
  const damage = rounds.map((r) => r.damage).filter(Boolean);

  const dir = freshDir('store-one');
  const specs = [
    { label: 'driver one', cmd: NODE, args: [driver, 'one', dir], env: ctx.env },
    { label: 'driver --noop', cmd: NODE, args: [driver, '--noop', dir], env: ctx.env },
  ];
  const [one, noop] = interleave(specs, { runs: ctx.runs, warmup: ctx.warmup, progress: ctx.progress('store') });
  const cost = median(one) - median(noop);
  ctx.record('store', { rounds, one: { ...summarize(one), samples: one }, noop: { ...summarize(noop), samples: noop } });
  const total = PROCESSES * ROUNDS_PER_PROCESS * 2;
  return [
    {
      row: '4a',
      what: `${PROCESSES} processes × ${ROUNDS_PER_PROCESS} × (shared + own counter), at once`,
      a: fmt.rate(rate),
      value: `${lost} lost`,
      target: '0 lost',
      result: verdict(lost === 0 && extra === 0 && damage.length === 0),
      note: `${total} increments per round, ${ROUNDS} rounds; median rate over the increment span (${rounds.map((r) => `${(r.seconds * 1000).toFixed(0)} ms`).join(', ')})${extra ? `; ${extra} unexpected` : ''}${damage.length ? `; damage: ${damage[0]}` : ''}`,
    },
    {
      row: '4b',
      what: 'fresh process: one increment vs --noop (same bundle)',
      a: fmt.ms(median(one)),
      b: fmt.ms(median(noop)),
      value: `${cost >= 0 ? '+' : '−'}${Math.abs(cost).toFixed(2)} ms`,
      target: `≤ +${TARGET_ONE_MS} ms`,
      result: verdict(cost <= TARGET_ONE_MS),
      note: `ratio ${fmt.ratio(median(one) / median(noop))}; ${cpuNote(specs[0], specs[1])}`,
    },
  ];
}
