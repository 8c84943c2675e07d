#!/usr/bin/env node
/**
 * Where the watchdog's start-up goes: `node bench/startup-profile.mjs [--runs N] [--dist DIR]`.
 * Runs `watchdog -- true` and `spawner true` interleaved, each with lib/startup-probe.cjs, and
 * prints the median time of each phase side by side, then what each require and system call the
 * run path makes costs inside the watchdog, and what each builtin costs to load in a fresh process.
 * Not part of `npm run bench`; its findings are in BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH, NODE, SPAWNER, distPaths, freshDir, workPath } from './lib/paths.mjs';
import { interleave, median } from './lib/timing.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' }, dist: { type: 'string' } } });
const runs = Number(values.runs);
const dist = distPaths(values.dist);
const probe = join(BENCH, 'lib', 'startup-probe.cjs');
const probeOut = workPath('startup-probe.json');
const env = { ...process.env, WATCHDOG_DIR: freshDir('store-profile'), BENCH_PROBE_OUT: probeOut };
delete env.NODE_OPTIONS;
delete env.NODE_EXTRA_CA_CERTS;

const read = (r) => ({ wall: r.ms, ...JSON.parse(readFileSync(probeOut, 'utf8')) });
const [wd, sp] = interleave(
  [
    { label: 'watchdog -- true', cmd: NODE, args: ['-r', probe, dist.cli, '--', 'true'], env, metric: read },
    { label: 'spawner true', cmd: NODE, args: ['-r', probe, SPAWNER, 'true'], env, metric: read },
  ],
  { runs, warmup: 3 },
);

const phases = [
  ['whole process (wall, from the bench)', (s) => s.wall],
  ['node bootstrap (nodeTiming.bootstrapComplete)', (s) => s.bootstrap],
  ['main script start -> spawn() called', (s) => s.marks.spawnCall - s.marks.main],
  ['spawn() call (fork + exec, synchronous)', (s) => s.marks.spawnReturn - s.marks.spawnCall],
  ['spawn() returned -> child exit event', (s) => s.marks.childExit - s.marks.spawnReturn],
  ['child exit event -> process exit event', (s) => s.marks.exit - s.marks.childExit],
];
const row = (cells) => `${cells[0].padEnd(48)} ${cells.slice(1).map((c) => c.padStart(9)).join(' ')}`;
console.log(`medians of ${runs} interleaved runs, ms\n`);
console.log(row(['phase', 'watchdog', 'spawner', 'delta']));
for (const [label, f] of phases) {
  const [a, b] = [median(wd.map(f)), median(sp.map(f))];
  console.log(row([label, a.toFixed(2), b.toFixed(2), (a - b).toFixed(2)]));
}

// Costs inside the watchdog: per label, summed per run, median over runs.
const perRun = (samples) => {
  const labels = new Set(samples.flatMap((s) => s.costs.map(([l]) => l)));
  return [...labels].map((l) => [l, median(samples.map((s) => s.costs.filter(([x]) => x === l).reduce((a, [, ms]) => a + ms, 0)))]);
};
console.log('\ninside the watchdog (median per run, ms; nested requires are included in their parent):');
for (const [label, ms] of perRun(wd)) console.log(`  ${label.padEnd(44)} ${ms.toFixed(3)}`);

// Each builtin the run path loads, first require in a fresh process (after one require of
// node:path, which bootstrap has loaded, so the first require() call's own set-up is not counted).
console.log('\nfirst require of each builtin in a fresh `node -e`, median of 15, ms:');
for (const id of ['node:fs', 'node:os', 'node:child_process', 'node:util', 'node:net']) {
  // The elapsed time is taken before touching process.stdout, whose first use sets up the stream.
  const code = `require('node:path');const t=performance.now();require(${JSON.stringify(id)});const ms=performance.now()-t;process.stdout.write(String(ms))`;
  const xs = interleave([{ label: id, cmd: NODE, args: ['-e', code], env, metric: (r) => Number(r.stdout.toString()) }], { runs: 15, warmup: 1 })[0];
  console.log(`  ${id.padEnd(44)} ${median(xs).toFixed(3)}`);
}
