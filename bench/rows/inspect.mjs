/**
 * Row 5, inspect: `watchdog stacks` over a big store against `node -e 0`, interleaved.
 * The store (programs/store-generate.js, bundled with the store API): 10 programs × 500 distinct
 * stacks of 4-10 frames, each counted in each of 52 weeks: 260,000 increment records, 5,000
 * counters. Generating takes about half a minute, so it is kept in bench/.work/store-inspect and
 * made again only when the generator bundle (which holds the store's code) changes.
 * The `watchdog stacks --json` check runs first, so the measured `watchdog stacks` (the 20 most
 * frequent and how many more) finds the snapshots (summary.wds) a listing leaves: the steady state.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from '../lib/bundle.mjs';
import { BENCH, NODE, WORK, freshDir } from '../lib/paths.mjs';
import { cpuNote, fmt, verdict } from '../lib/table.mjs';
import { interleave, median, pairedRatio, runOnce, summarize } from '../lib/timing.mjs';

export const id = 'inspect';
export const number = 5;
export const title = 'inspect';
export const TARGET = 1.5;

async function generatedStore(ctx) {
  const tool = join(freshDir('inspect'), 'generate.cjs');
  await bundle({ entry: join(BENCH, 'programs', 'store-generate.js'), outfile: tool });
  const stamp = createHash('sha256').update(readFileSync(tool)).digest('hex');
  const dir = join(WORK, 'store-inspect');
  const stampFile = join(dir, 'generated-by');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return { dir, summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) };
  // Made beside it and renamed into place: two bench runs generating at once once wrote the
  // store twice into one directory (every count doubled).
  const fresh = freshDir(`store-inspect.${process.pid}`);
  ctx.log('generating the 52-week store (about half a minute, once)');
  const r = runOnce({ label: 'generate store', cmd: NODE, args: [tool, fresh], env: ctx.env });
  writeFileSync(join(fresh, 'summary.json'), r.stdout);
  writeFileSync(join(fresh, 'generated-by'), stamp);
  rmSync(dir, { recursive: true, force: true });
  renameSync(fresh, dir);
  return { dir, summary: JSON.parse(r.stdout.toString('utf8')) };
}

export async function run(ctx) {
  const { dir, summary } = await generatedStore(ctx);
  const env = { ...ctx.env, WATCHDOG_DIR: dir };
  // stdout to a file: see runOnce (on a pipe, output past 64 KiB is lost at process.exit()).
  const stdoutFile = join(WORK, 'inspect', 'stacks.out');
  const check = runOnce({ label: 'watchdog stacks --json', cmd: NODE, args: [ctx.dist.cli, 'stacks', '--json'], env, stdoutFile });
  const stacks = JSON.parse(check.stdout.toString('utf8'));
  const counted = stacks.reduce((s, x) => s + x.count, 0);
  const complete = stacks.length === summary.counters && counted === summary.total && stacks.every((s) => s.weeks.length === 52);
  const specs = [
    // The executable itself, as a user runs it: its launcher line included.
    { label: 'watchdog stacks', cmd: ctx.dist.cli, args: ['stacks'], env, stdoutFile },
    { label: 'node -e 0', cmd: NODE, args: ['-e', '0'], env, stdoutFile },
  ];
  const [a, b] = interleave(specs, { runs: ctx.runs, warmup: ctx.warmup, progress: ctx.progress('inspect') });
  ctx.record('inspect', { summary, stacks: { ...summarize(a), samples: a }, node: { ...summarize(b), samples: b } });
  const ratio = median(a) / median(b);
  return [
    {
      row: '5',
      what: 'watchdog stacks (52 wk × 10 programs × 500 stacks) vs node -e 0',
      a: fmt.ms(median(a)),
      b: fmt.ms(median(b)),
      value: fmt.ratio(ratio),
      target: `≤ ${TARGET.toFixed(2)}`,
      result: complete ? verdict(ratio <= TARGET) : 'FAIL',
      note: `median of per-round ratios ${fmt.ratio(pairedRatio(a, b))}; ${cpuNote(specs[0], specs[1])}; ${summary.increments.toLocaleString('en-US')} increment records, ${summary.counters} counters; output to a file; ${complete ? '--json (run first: it writes the snapshots) has all counters and counts, the measured listing the top 20' : `INCOMPLETE: ${stacks.length} stacks, total ${counted} of ${summary.total}`}`,
    },
  ];
}
