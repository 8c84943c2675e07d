/**
 * Row 1, start-up overhead: the watchdog against the minimal spawner (bench/spawner.cjs), both
 * running the same child, with plain `node -e 0` beside them for scale. All five commands run in
 * one interleaved loop. The watchdog's figure includes everything a user pays: its own start-up,
 * the channel, and (for a Node child) the preload and report flags it adds to NODE_OPTIONS.
 */
import { NODE, SPAWNER, freshDir } from '../lib/paths.mjs';
import { cpuNote, fmt, verdict } from '../lib/table.mjs';
import { hyperfine, hyperfineAvailable } from '../lib/hyperfine.mjs';
import { interleave, median, pairedRatio, summarize } from '../lib/timing.mjs';

export const id = 'startup';
export const number = 1;
export const title = 'start-up overhead';
export const TARGET = 1.1;

export function run(ctx) {
  const env = { ...ctx.env, WATCHDOG_DIR: freshDir('store-startup') };
  const specs = [
    // Run as the installed bin is: the executable itself, launcher line included.
    { label: 'watchdog -- node -e 0', cmd: ctx.dist.cli, args: ['--', NODE, '-e', '0'], env },
    { label: 'spawner node -e 0', cmd: NODE, args: [SPAWNER, NODE, '-e', '0'], env },
    { label: 'watchdog -- true', cmd: ctx.dist.cli, args: ['--', 'true'], env },
    { label: 'spawner true', cmd: NODE, args: [SPAWNER, 'true'], env },
    { label: 'node -e 0', cmd: NODE, args: ['-e', '0'], env },
  ];
  const samples = interleave(specs, { runs: ctx.runs, warmup: ctx.warmup, progress: ctx.progress('startup') });
  ctx.record('startup', Object.fromEntries(specs.map((s, k) => [s.label, { ...summarize(samples[k]), cpuMs: s.cpuMs, samples: samples[k] }])));
  const [wdNode, spNode, wdTrue, spTrue, node] = samples.map(median);
  const pair = (row, what, a, b, paired, cpu) => ({
    row,
    what,
    a: fmt.ms(a),
    b: fmt.ms(b),
    value: fmt.ratio(a / b),
    target: `≤ ${TARGET.toFixed(2)}`,
    result: verdict(a / b <= TARGET),
    note: `${fmt.delta(a - b)} per run; median of per-round ratios ${fmt.ratio(paired)}; ${cpu}`,
  });
  const rows = [
    pair('1a', 'watchdog -- node -e 0 vs spawner node -e 0', wdNode, spNode, pairedRatio(samples[0], samples[1]), cpuNote(specs[0], specs[1])),
    pair('1b', 'watchdog -- true vs spawner true', wdTrue, spTrue, pairedRatio(samples[2], samples[3]), cpuNote(specs[2], specs[3])),
    { row: '1c', what: 'node -e 0 alone (scale)', a: fmt.ms(node), result: 'info', note: specs[4].cpuMs ? `CPU ${specs[4].cpuMs.toFixed(1)} ms` : '' },
  ];
  if (ctx.hyperfine) rows.push(...crossCheck(ctx, specs, env));
  return rows;
}

/** The same pairs through hyperfine, with CPU time: info rows only. */
function crossCheck(ctx, specs, env) {
  if (!hyperfineAvailable()) return [{ row: '1h', what: 'hyperfine cross-check', result: 'not run: hyperfine not installed' }];
  const [wdNode, spNode, wdTrue, spTrue] = hyperfine(specs, { runs: ctx.runs, warmup: ctx.warmup, env });
  ctx.record('startup-hyperfine', { wdNode, spNode, wdTrue, spTrue });
  const info = (row, what, a, b) => ({
    row,
    what,
    a: fmt.ms(a.median),
    b: fmt.ms(b.median),
    value: fmt.ratio(a.median / b.median),
    target: `≤ ${TARGET.toFixed(2)}`,
    result: 'info',
    note: `hyperfine (not interleaved); CPU user+sys ${fmt.ms(a.cpu)} vs ${fmt.ms(b.cpu)}, ratio ${fmt.ratio(a.cpu / b.cpu)}`,
  });
  return [info('1a/h', 'hyperfine: watchdog -- node -e 0 vs spawner', wdNode, spNode), info('1b/h', 'hyperfine: watchdog -- true vs spawner', wdTrue, spTrue)];
}
