/**
 * Row 7, pass-through: a child writing 1 GiB to stderr under `watchdog --capture-stderr` (its
 * stderr a pipe the watchdog reads, passes on to its own stderr, /dev/null here, and keeps the
 * tail of) against the same child writing to `cat` (its stderr a pipe that cat copies to
 * /dev/null): the same pipe on the child's side, a different reader. Throughput is bytes over
 * wall time, so the ratio is cat's time over the watchdog's; the target is at least 0.90.
 * For scale, the same child writing to `dd bs=64k` (a reader that does nothing but read and write
 * its block), and straight to /dev/null (no pipe, no reader).
 */
import { NODE, freshDir } from '../lib/paths.mjs';
import { cpuNote, fmt, verdict } from '../lib/table.mjs';
import { interleave, median, summarize } from '../lib/timing.mjs';

export const id = 'passthrough';
export const number = 7;
export const title = 'pass-through (--capture-stderr)';
export const TARGET = 0.9;
const MIB = 1024;
/** 1 MiB writes, each finished however short the pipe's writes are. */
const WRITER = `const b=Buffer.alloc(1<<20,120),fs=require('fs');for(let i=0;i<${MIB};i++){let o=0;while(o<b.length)o+=fs.writeSync(2,b,o)}`;

export function run(ctx) {
  const env = { ...ctx.env, WATCHDOG_DIR: freshDir('store-passthrough') };
  const what = `child writing ${MIB} MiB to stderr: watchdog --capture-stderr vs the child | cat (throughput)`;
  const specs = [
    { label: 'watchdog --capture-stderr', cmd: ctx.dist.cli, args: ['--capture-stderr', '--', NODE, '-e', WRITER], env, stderrNull: true },
    // sh only connects the pipe; its start is a millisecond of a run of hundreds.
    { label: 'child 2>&1 | cat', cmd: 'sh', args: ['-c', '"$0" -e "$1" 2>&1 >/dev/null | cat >/dev/null', NODE, WRITER], env, stderrNull: true },
    { label: 'child 2>&1 | dd', cmd: 'sh', args: ['-c', '"$0" -e "$1" 2>&1 >/dev/null | dd of=/dev/null bs=64k status=none', NODE, WRITER], env, stderrNull: true },
    { label: 'child 2>/dev/null', cmd: NODE, args: ['-e', WRITER], env, stderrNull: true },
  ];
  const [a, b, dd, direct] = interleave(specs, { runs: ctx.heavyRuns, warmup: ctx.warmup, progress: ctx.progress('passthrough') });
  ctx.record('passthrough', { watchdog: summarize(a), cat: summarize(b), dd: summarize(dd), direct: summarize(direct) });
  const throughput = (ms) => `${Math.round(MIB / (ms / 1000)).toLocaleString('en-US')} MiB/s`;
  const ratio = median(b) / median(a);
  return [
    {
      row: '7',
      what,
      a: throughput(median(a)),
      b: throughput(median(b)),
      value: fmt.ratio(ratio),
      target: `≥ ${TARGET.toFixed(2)}`,
      result: verdict(ratio >= TARGET),
      note: `wall ${fmt.ms(median(a))} vs ${fmt.ms(median(b))}; ${cpuNote(specs[0], specs[1])}`,
    },
    { row: '7b', what: `the same, against the child | dd bs=64k (scale)`, a: throughput(median(a)), b: throughput(median(dd)), value: fmt.ratio(median(dd) / median(a)), result: 'info', note: `wall ${fmt.ms(median(a))} vs ${fmt.ms(median(dd))}` },
    { row: '7c', what: `the child writing ${MIB} MiB straight to /dev/null (scale)`, a: throughput(median(direct)), result: 'info', note: `wall ${fmt.ms(median(direct))}` },
  ];
}
