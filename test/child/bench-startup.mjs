// Start-up cost of the preload, in `node -e` children with WATCHDOG_CRASH_FD=3 and fd 3 a real
// socket (a Node 'pipe' stdio entry). All variants run interleaved, so that machine noise hits
// them alike; figures are medians (and the first quartile, less moved by other jobs).
// 1. CPU to the child's first line: user + system time of the child (process.cpuUsage()) when its
//    `-e` code starts, with NODE_OPTIONS=--require=<preload> as the watchdog sets it, against no
//    preload and against an empty --require'd file (the floor of the mechanism). The least noisy
//    whole-process figure on a shared machine.
// 2. In-process: the time `require(preload)` takes inside such a process (a first --require'd
//    timer module loads it, so the loader is warm), also in a descendant without the channel,
//    with and without a spool to record into, and without WATCHDOG_CRASH_FD (inert).
// 3. Wall clock of the whole `node -e 0`.
// Usage: npm run build && node test/child/bench-startup.mjs [runs=30] [other-preload.cjs]
//   other-preload.cjs: a second preload measured alongside (e.g. an older build, for before/after).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('../../dist/preload.cjs', import.meta.url));
const runs = Number(process.argv[2] ?? 30);
const other = process.argv[3] === undefined ? null : resolve(process.argv[3]);
const env = { ...process.env };
delete env.NODE_OPTIONS;
delete env.NODE_EXTRA_CA_CERTS; // read and parsed at every Node start: 80 ms of noise on some machines
for (const k of Object.keys(env)) if (k.startsWith('WATCHDOG_')) delete env[k];
const withFd = { ...env, WATCHDOG_CRASH_FD: '3' };
const stdio = ['ignore', 'ignore', 'inherit', 'pipe'];

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
// The child's own CPU time when its code starts (fd 3 is also the channel: nothing reads records here).
const firstLine = `const u = process.cpuUsage(); require('fs').writeSync(3, String((u.user + u.system) / 1e3));`;

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quartile = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 4)];

function bench(variants, measure) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const v of Object.values(variants)) measure(v); // warm the file cache
  for (let i = 0; i < runs; i++) for (const [k, v] of Object.entries(variants)) times[k].push(measure(v));
  return times;
}

function table(times, unit, digits) {
  const [base] = Object.values(times);
  for (const [k, t] of Object.entries(times)) {
    const d = median(t) - median(base);
    console.log(
      `  ${k.padEnd(22)} median ${median(t).toFixed(digits).padStart(7)}  q1 ${quartile(t).toFixed(digits).padStart(7)}  ` +
        `vs first: ${d >= 0 ? '+' : ''}${d.toFixed(digits)} ${unit} (q1 ${(quartile(t) - quartile(base)).toFixed(digits)})  ratio ${(median(t) / median(base)).toFixed(3)}`,
    );
  }
}

const preloads = { 'dist/preload.cjs': preload, ...(other === null ? {} : { 'other preload': other }) };
if (other !== null) console.log(`other preload: ${other}`);

const cpu = bench(
  {
    'no preload': {},
    'empty --require': { NODE_OPTIONS: `--require=${empty}` },
    ...Object.fromEntries(Object.entries(preloads).map(([k, p]) => [k, { NODE_OPTIONS: `--require=${p}` }])),
  },
  (v) => {
    const r = spawnSync(process.execPath, ['-e', firstLine], { env: { ...withFd, ...v }, stdio });
    if (r.status !== 0) throw new Error(`exit ${r.status}`);
    return Number(r.output[3].toString());
  },
);
console.log(`CPU of a \`node -e\` child to its first line, ${runs} interleaved runs each (ms):`);
table(cpu, 'ms', 2);

const inproc = bench(
  {
    'empty preload': { ...withFd, BENCH_TARGET: empty },
    ...Object.fromEntries(Object.entries(preloads).map(([k, p]) => [k, { ...withFd, BENCH_TARGET: p }])),
    'preload, no FD': { ...env, BENCH_TARGET: preload },
    // A descendant without the channel (its ancestor pinned another identity): inert, or spooling.
    'no channel': { ...withFd, WATCHDOG_CRASH_ID: '1:1', BENCH_TARGET: preload },
    'no channel, spool': { ...withFd, WATCHDOG_CRASH_ID: '1:1', WATCHDOG_CRASH_SPOOL: dir, BENCH_TARGET: preload },
  },
  (v) => {
    // fd 3 is the channel (a socket) and also where the timer reports: it writes after the preload ran.
    const r = spawnSync(process.execPath, ['--require', timer, '-e', '0'], { env: v, stdio });
    return Number(r.output[3].toString());
  },
);
console.log(`in-process time of require(preload), after a warm loader, ${runs} runs each (µs):`);
table(inproc, 'µs', 0);

const wall = bench(
  {
    'node -e 0': { args: ['-e', '0'], env: withFd },
    '+ preload': { args: ['--require', preload, '-e', '0'], env: withFd },
    '+ preload, no FD': { args: ['--require', preload, '-e', '0'], env },
  },
  (v) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, v.args, { env: v.env, stdio });
    if (r.status !== 0) throw new Error(`exit ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  },
);
console.log(`wall clock, ${runs} interleaved runs each (ms):`);
table(wall, 'ms', 1);
rmSync(dir, { recursive: true, force: true });
