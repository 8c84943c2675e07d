/**
 * Row 2, preload cost: a Node child run through the minimal spawner with WATCHDOG_CRASH_FD=3 and
 * a socket on fd 3, with NODE_OPTIONS=--require=<dist>/preload.cjs against the same without it.
 * The figure compared is the child's own spawn-to-exit time, measured inside the spawner (so the
 * spawner's start-up does not dilute the ratio); the whole-process ratio is in the note.
 * Row 2c runs `node -e 0` with an empty file as the --require, in the same loop: the floor that
 * any preload pays (resolving, reading and compiling a module), whatever it holds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE, SPAWNER, TSC, freshDir } from '../lib/paths.mjs';
import { cpuNote, fmt, verdict } from '../lib/table.mjs';
import { interleave, median, pairedRatio, readMark, summarize } from '../lib/timing.mjs';

export const id = 'preload';
export const number = 2;
export const title = 'preload cost';
export const TARGET = 1.05;

export function run(ctx) {
  const base = { ...ctx.env, WATCHDOG_CRASH_FD: '3', BENCH_CHILD_TIMING: '1' };
  const withPreload = { ...base, BENCH_CHILD_NODE_OPTIONS: `--require=${ctx.dist.preload}` };
  const both = (m) => ({ child: readMark(m.stderr, 'bench-child-ms'), whole: m.ms });
  const children = [
    { row: '2a', name: 'node -e 0', args: ['-e', '0'] },
    { row: '2b', name: 'tsc --version', args: [TSC, '--version'] },
  ];
  const empty = join(freshDir('empty-preload'), 'preload.cjs');
  writeFileSync(empty, '');
  const specs = children.flatMap((c) => [
    { label: `spawner+preload ${c.name}`, cmd: NODE, args: [SPAWNER, NODE, ...c.args], env: withPreload, metric: both },
    { label: `spawner ${c.name}`, cmd: NODE, args: [SPAWNER, NODE, ...c.args], env: base, metric: both },
  ]);
  specs.push({ label: 'spawner+empty require node -e 0', cmd: NODE, args: [SPAWNER, NODE, '-e', '0'], env: { ...base, BENCH_CHILD_NODE_OPTIONS: `--require=${empty}` }, metric: both });
  const samples = interleave(specs, { runs: ctx.runs, warmup: ctx.warmup, progress: ctx.progress('preload') });
  const pick = (k, key) => samples[k].map((s) => s[key]);
  ctx.record(
    'preload',
    Object.fromEntries(specs.map((s, k) => [s.label, { child: summarize(pick(k, 'child')), whole: summarize(pick(k, 'whole')), cpuMs: s.cpuMs }])),
  );
  const rows = children.map((c, i) => {
    const a = median(pick(2 * i, 'child'));
    const b = median(pick(2 * i + 1, 'child'));
    const wholeRatio = median(pick(2 * i, 'whole')) / median(pick(2 * i + 1, 'whole'));
    return {
      row: c.row,
      what: `${c.name} with preload vs without (child time)`,
      a: fmt.ms(a),
      b: fmt.ms(b),
      value: fmt.ratio(a / b),
      target: `≤ ${TARGET.toFixed(2)}`,
      result: verdict(a / b <= TARGET),
      note: `${fmt.delta(a - b)} per child; median of per-round ratios ${fmt.ratio(pairedRatio(pick(2 * i, 'child'), pick(2 * i + 1, 'child')))}; whole spawner+child ratio ${fmt.ratio(wholeRatio)}; whole ${cpuNote(specs[2 * i], specs[2 * i + 1])}`,
    };
  });
  const floor = median(pick(4, 'child'));
  const none = median(pick(1, 'child'));
  const ours = median(pick(0, 'child'));
  rows.push({
    row: '2c',
    what: 'node -e 0 with an empty --require vs without (the floor)',
    a: fmt.ms(floor),
    b: fmt.ms(none),
    value: fmt.ratio(floor / none),
    result: 'info',
    note: `${fmt.delta(floor - none)} per child; median of per-round ratios ${fmt.ratio(pairedRatio(pick(4, 'child'), pick(1, 'child')))}; the preload costs ${fmt.delta(ours - floor)} beyond it (${fmt.ratio(ours / floor)})`,
  });
  return rows;
}
