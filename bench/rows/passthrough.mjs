/**
 * Row 7, pass-through, for the `--capture-stderr` mode (not built yet): a child writing 32 MiB to
 * stderr under `watchdog --capture-stderr` against the same child under the minimal spawner. Until
 * the watchdog accepts the option the row says "not built yet"; the comparison below is ready.
 */
import { NODE, SPAWNER, freshDir } from '../lib/paths.mjs';
import { cpuNote, fmt, verdict } from '../lib/table.mjs';
import { interleave, median, summarize } from '../lib/timing.mjs';
import { spawnSync } from 'node:child_process';

export const id = 'passthrough';
export const number = 7;
export const title = 'pass-through (--capture-stderr)';
export const TARGET = 1.1;
const MIB = 32;
const WRITER = `const b=Buffer.alloc(1<<20,120);for(let i=0;i<${MIB};i++)require('fs').writeSync(2,b)`;

function built(ctx, env) {
  const r = spawnSync(NODE, [ctx.dist.cli, '--capture-stderr', '--', 'true'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return r.status === 0;
}

export function run(ctx) {
  const env = { ...ctx.env, WATCHDOG_DIR: freshDir('store-passthrough') };
  const what = `child writing ${MIB} MiB to stderr: watchdog --capture-stderr vs spawner`;
  if (!built(ctx, env)) return [{ row: '7', what, target: `≤ ${TARGET.toFixed(2)} (proposed)`, result: 'not built yet' }];
  const specs = [
    { label: 'watchdog --capture-stderr', cmd: NODE, args: [ctx.dist.cli, '--capture-stderr', '--', NODE, '-e', WRITER], env },
    { label: 'spawner', cmd: NODE, args: [SPAWNER, NODE, '-e', WRITER], env },
  ];
  const [a, b] = interleave(specs, { runs: ctx.heavyRuns, warmup: ctx.warmup, progress: ctx.progress('passthrough') });
  ctx.record('passthrough', { watchdog: summarize(a), spawner: summarize(b) });
  const ratio = median(a) / median(b);
  return [{ row: '7', what, a: fmt.ms(median(a)), b: fmt.ms(median(b)), value: fmt.ratio(ratio), target: `≤ ${TARGET.toFixed(2)} (proposed)`, result: verdict(ratio <= TARGET), note: cpuNote(specs[0], specs[1]) }];
}
