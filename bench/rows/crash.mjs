/**
 * Row 3, crash to exit: a child crashes inside a 3.6 MB minified bundle of TypeScript's compiler
 * with a 5 MB source map (built here with esbuild, see programs/ts-crash.cjs), under the watchdog,
 * which must parse, symbolize against the big map, count, and be gone within 100 ms of the child.
 *
 * Clock: the child stamps performance.timeOrigin + performance.now() from its last 'exit'
 * listener; this process reads the same clock when spawnSync returns. crash-to-exit is the
 * difference; it also holds the child's own teardown (printing the error, exiting), which the
 * same child under the minimal spawner shows as the floor (median B).
 * crash-to-counter: from the same stamp to the end of the first `watchdog stacks --json` that
 * shows the new count (run as soon as the watchdog is gone, then every 20 ms for up to 5 s), so
 * an upper bound on when the counter became visible, and a check that each crash counts once.
 * Peak RSS: the watchdog's own getrusage maxRSS (lib/probe.mjs), not its child's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from '../lib/bundle.mjs';
import { BENCH, NODE, SPAWNER, freshDir, workPath } from '../lib/paths.mjs';
import { maxRssProbe } from '../lib/probe.mjs';
import { fmt, verdict } from '../lib/table.mjs';
import { interleave, median, now, readMark, runOnce, summarize } from '../lib/timing.mjs';

export const id = 'crash';
export const number = 3;
export const title = 'crash to exit';
export const TARGET_MS = 100;
const PROGRAM = { name: 'bench-ts-crash', version: '1.0.0' };

async function buildCrashProgram() {
  const dir = freshDir('crash');
  const entry = join(dir, 'entry.cjs');
  const sizes = await bundle({ entry: join(BENCH, 'programs', 'ts-crash.cjs'), outfile: entry, minify: true, sourcemap: true });
  // The program's root for the counter names: the nearest package.json of the entry script.
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...PROGRAM, private: true })}\n`);
  return { entry, ...sizes };
}

function stacksNow(ctx, env) {
  const r = runOnce({ label: 'watchdog stacks --json', cmd: NODE, args: [ctx.dist.cli, 'stacks', '--json'], env, stdoutFile: workPath('crash-stacks.json') });
  return JSON.parse(r.stdout.toString('utf8'));
}

/**
 * Polls `watchdog stacks` until the total count reaches `expected`; returns when the successful
 * call ENDED (a listing waits for a collector still mapping a deferred crash, so its start is no
 * upper bound).
 */
function waitForCount(ctx, env, expected) {
  const deadline = now() + 5000;
  for (;;) {
    const started = now();
    const total = stacksNow(ctx, env).reduce((sum, s) => sum + s.count, 0);
    if (total >= expected) return { started: now(), total };
    if (started > deadline) return { started: NaN, total };
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

export async function run(ctx) {
  const program = await buildCrashProgram();
  ctx.log(`crash program: ${(program.bytes / 1e6).toFixed(2)} MB bundle, ${(program.mapBytes / 1e6).toFixed(2)} MB source map`);
  const store = freshDir('store-crash');
  const env = { ...ctx.env, WATCHDOG_DIR: store };
  const probe = maxRssProbe(workPath('crash-maxrss'));
  let crashes = 0;
  const watchdogRun = (result) => {
    const exitAt = readMark(result.stdout, 'bench-exit-at');
    const rss = probe.read();
    crashes++;
    const seen = waitForCount(ctx, env, crashes);
    return { exitMs: result.endedAt - exitAt, counterMs: seen.started - exitAt, rss, counted: seen.total };
  };
  const specs = [
    {
      label: 'watchdog -- node entry.cjs',
      cmd: NODE,
      args: [...probe.nodeArgs, ctx.dist.cli, '--', NODE, program.entry],
      env: { ...env, ...probe.env },
      status: 1,
      prepare: probe.reset,
      metric: watchdogRun,
    },
    {
      label: 'spawner node entry.cjs',
      cmd: NODE,
      args: [SPAWNER, NODE, program.entry],
      env,
      status: 1,
      metric: (result) => ({ exitMs: result.endedAt - readMark(result.stdout, 'bench-exit-at') }),
    },
  ];
  const [wd, sp] = interleave(specs, { runs: ctx.heavyRuns, warmup: Math.min(ctx.warmup, 2), progress: ctx.progress('crash') });
  const col = (xs, key) => xs.map((x) => x[key]);
  const stacks = stacksNow(ctx, env);
  ctx.record('crash', {
    program,
    watchdog: { exitMs: summarize(col(wd, 'exitMs')), counterMs: summarize(col(wd, 'counterMs')), maxRssKiB: summarize(col(wd, 'rss')) },
    spawner: { exitMs: summarize(col(sp, 'exitMs')) },
    stacks,
  });

  const exitMs = median(col(wd, 'exitMs'));
  const floorMs = median(col(sp, 'exitMs'));
  const counterMs = median(col(wd, 'counterMs'));
  const rss = col(wd, 'rss');
  const ours = stacks.filter((s) => s.program === PROGRAM.name);
  const frames = ours[0]?.name.split('\n').slice(1) ?? [];
  const symbolized = frames.length >= 4 && frames.every((f) => !f.includes('entry.cjs'));
  const correct = stacks.length === 1 && ours.length === 1 && ours[0].count === crashes && ours[0].name.startsWith('crash/') && symbolized;
  const found = stacks.map((s) => `${s.count}× ${s.program}@${s.version} ${s.name.split('\n').slice(0, 3).join(' | ')}`).join('; ');
  return [
    {
      row: '3a',
      what: 'crash-to-exit: watchdog vs spawner, same crashing child',
      a: fmt.ms(exitMs),
      b: fmt.ms(floorMs),
      value: fmt.ms(exitMs),
      target: `≤ ${TARGET_MS} ms`,
      result: verdict(exitMs <= TARGET_MS),
      note: `child's last 'exit' listener to watchdog gone; ${(program.bytes / 1e6).toFixed(1)} MB bundle, ${(program.mapBytes / 1e6).toFixed(1)} MB map; the watchdog's own share ${fmt.delta(exitMs - floorMs)}`,
    },
    {
      row: '3b',
      what: 'crash-to-counter (visible to watchdog stacks)',
      a: fmt.ms(counterMs),
      value: fmt.ms(counterMs),
      result: Number.isFinite(counterMs) ? 'info' : 'FAIL',
      note: 'upper bound: end of the first `watchdog stacks` that showed the new count (it waits for the detached collector mapping the deferred crash)',
    },
    {
      row: '3c',
      what: 'counter correct in next watchdog stacks',
      value: `${ours[0]?.count ?? 0}/${crashes}`,
      target: 'one symbolized stack, count = crashes',
      result: verdict(correct),
      note: found || 'nothing recorded',
    },
    {
      row: '3d',
      what: 'peak RSS of the watchdog symbolizing the 5 MB map',
      a: fmt.mb(median(rss)),
      value: fmt.mb(Math.max(...rss)),
      result: 'info',
      note: 'median A; value is the largest run (getrusage maxRSS of the watchdog alone)',
    },
  ];
}
