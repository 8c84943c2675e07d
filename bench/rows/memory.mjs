/**
 * Row 6, memory: peak RSS of the watchdog supervising `node -e 0` against that of `node -e 0`
 * itself, both through lib/probe.mjs (getrusage maxRSS of the process alone; the child's memory
 * is not counted in the watchdog's figure), interleaved.
 */
import { NODE, freshDir, workPath } from '../lib/paths.mjs';
import { maxRssProbe } from '../lib/probe.mjs';
import { fmt, verdict } from '../lib/table.mjs';
import { interleave, median, summarize } from '../lib/timing.mjs';

export const id = 'memory';
export const number = 6;
export const title = 'memory';
export const TARGET = 1.2;

export function run(ctx) {
  const probe = maxRssProbe(workPath('memory-maxrss'));
  const env = { ...ctx.env, ...probe.env, WATCHDOG_DIR: freshDir('store-memory') };
  const measured = { env, prepare: probe.reset, metric: () => probe.read() };
  const specs = [
    { label: 'watchdog -- node -e 0', cmd: NODE, args: [...probe.nodeArgs, ctx.dist.cli, '--', NODE, '-e', '0'], ...measured },
    { label: 'node -e 0', cmd: NODE, args: [...probe.nodeArgs, '-e', '0'], ...measured },
  ];
  const [a, b] = interleave(specs, { runs: ctx.heavyRuns, warmup: 1, progress: ctx.progress('memory') });
  ctx.record('memory', { watchdog: { ...summarize(a), samples: a }, node: { ...summarize(b), samples: b } });
  const ratio = median(a) / median(b);
  return [
    {
      row: '6',
      what: 'peak RSS: watchdog supervising vs node -e 0',
      a: fmt.mb(median(a)),
      b: fmt.mb(median(b)),
      value: fmt.ratio(ratio),
      target: `≤ ${TARGET.toFixed(2)}`,
      result: verdict(ratio <= TARGET),
    },
  ];
}
