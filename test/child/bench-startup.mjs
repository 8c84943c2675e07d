// Start-up cost of the preload.
// 1. Wall clock: `node -e 0` with and without `--require dist/preload.cjs`, WATCHDOG_CRASH_FD=3
//    and fd 3 a real socket (a Node 'pipe' stdio entry), interleaved so that machine noise hits
//    all variants alike; plus the preload without WATCHDOG_CRASH_FD (the inert path).
// 2. In-process: the time `require(preload)` takes inside such a process (a first --require'd
//    timer module loads it), much less noisy than wall clock on a busy machine; also in a
//    descendant without the channel, with and without a spool to record into.
// Usage: npm run build && node test/child/bench-startup.mjs [runs=30]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('../../dist/preload.cjs', import.meta.url));
const runs = Number(process.argv[2] ?? 30);
const env = { ...process.env };
delete env.NODE_OPTIONS;
for (const k of Object.keys(env)) if (k.startsWith('WATCHDOG_')) delete env[k];
const withFd = { ...env, WATCHDOG_CRASH_FD: '3' };

const dir = mkdtempSync(join(tmpdir(), 'watchdog-bench-'));
const timer = join(dir, 'timer.cjs');
const empty = join(dir, 'empty.cjs');
writeFileSync(empty, '0;\n');
writeFileSync(
  timer,
  `const t = process.hrtime.bigint();
require(process.env.BENCH_TARGET);
require('fs').writeSync(3, String(Number(process.hrtime.bigint() - t) / 1e3));
`,
);

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function bench(variants, measure) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const v of Object.values(variants)) measure(v); // warm the file cache
  for (let i = 0; i < runs; i++) for (const [k, v] of Object.entries(variants)) times[k].push(measure(v));
  return times;
}

const wall = bench(
  {
    'node -e 0': { args: ['-e', '0'], env: withFd },
    '+ preload': { args: ['--require', preload, '-e', '0'], env: withFd },
    '+ preload, no FD': { args: ['--require', preload, '-e', '0'], env },
  },
  (v) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, v.args, { env: v.env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    if (r.status !== 0) throw new Error(`exit ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  },
);
console.log(`wall clock, ${runs} interleaved runs each (ms):`);
const base = median(wall['node -e 0']);
for (const [k, t] of Object.entries(wall)) {
  console.log(`  ${k.padEnd(18)} median ${median(t).toFixed(1)}  min ${Math.min(...t).toFixed(1)}  ratio ${(median(t) / base).toFixed(3)}`);
}

const inproc = bench(
  {
    'empty preload': { env: { ...withFd, BENCH_TARGET: empty } },
    preload: { env: { ...withFd, BENCH_TARGET: preload } },
    'preload, no FD': { env: { ...env, BENCH_TARGET: preload } },
    // A descendant without the channel (its ancestor pinned another identity): inert, or spooling.
    'no channel': { env: { ...withFd, WATCHDOG_CRASH_ID: '1:1', BENCH_TARGET: preload } },
    'no channel, spool': { env: { ...withFd, WATCHDOG_CRASH_ID: '1:1', WATCHDOG_CRASH_SPOOL: dir, BENCH_TARGET: preload } },
  },
  (v) => {
    // fd 3 is the channel (a socket) and also where the timer reports: it writes after the preload ran.
    const r = spawnSync(process.execPath, ['--require', timer, '-e', '0'], { env: v.env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    return Number(r.output[3].toString());
  },
);
console.log(`in-process time of require(preload), ${runs} runs each (µs):`);
for (const [k, t] of Object.entries(inproc)) console.log(`  ${k.padEnd(18)} median ${median(t).toFixed(0)}  min ${Math.min(...t).toFixed(0)}`);
rmSync(dir, { recursive: true, force: true });
