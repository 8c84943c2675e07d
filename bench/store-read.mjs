// Benchmarks the counter store's reader on a synthetic store: 10 programs x 52 weeks x 500
// distinct stack names (each name counted every week, a tenth of them four times), i.e. 520 week
// files, 10 names.wdn files and 338000 increments. Prints:
//   1. readTotals/readStore inside one process: the first (cold) call, then warm calls;
//   2. a fresh `node` process that loads the reader bundle and reads the whole store (and, for
//      readTotals, only the last 8 weeks), next to `node -e 0`, run interleaved: wall time, the
//      process's own CPU time, and the time of the read call alone;
//   3. one increment from a fresh process (module load and the call, measured inside it).
//
//   node bench/store-read.mjs [--runs N] [--keep]
//
// The store and the bundles live in bench/.work/ (ignored by git); --keep reuses the store.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', '.work');
const store = join(work, 'store-52x10x500');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 0) || 21;
mkdirSync(work, { recursive: true });

// Bundles: the reader alone (what `watchdog stacks` loads), the writer alone, and the internals.
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' };
await build({ ...common, stdin: { contents: `const { readStore, readTotals } = require('./src/counter/read.ts'); const t0 = process.hrtime.bigint(); const since = process.argv[4] ? new Date(Date.now() - Number(process.argv[4]) * 7 * 86400000) : undefined; const r = process.argv[3] === 'rows' ? readStore(process.argv[2], { since }).rows : readTotals(process.argv[2], { since }).totals; const t1 = process.hrtime.bigint(); let n = 0; for (const x of r) n += x.count; const u = process.cpuUsage(); console.log(r.length, n, Number(t1 - t0) / 1e6, (u.user + u.system) / 1000);`, resolveDir: root, loader: 'ts' }, outfile: join(work, 'read-store.cjs') });
await build({ ...common, stdin: { contents: `const t0 = process.hrtime.bigint(); const { openStore } = require('./src/counter/store.ts'); const t1 = process.hrtime.bigint(); openStore(process.argv[2]).increment({ name: 'bench-tool', version: '1.0.0' }, process.argv[3]); const t2 = process.hrtime.bigint(); console.log(Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6);`, resolveDir: root, loader: 'ts' }, outfile: join(work, 'increment.cjs') });
await build({ ...common, stdin: { contents: `module.exports = { ...require('./src/counter/format.ts'), ...require('./src/counter/hash.ts'), ...require('./src/counter/files.ts'), ...require('./src/counter/encoding.ts'), ...require('./src/counter/week.ts'), ...require('./src/counter/read.ts') };`, resolveDir: root, loader: 'ts' }, outfile: join(work, 'internals.cjs') });
const c = createRequire(import.meta.url)(join(work, 'internals.cjs'));

const PROGRAMS = 10, WEEKS = 52, NAMES = 500;
if (!args.includes('--keep') || !existsSync(store)) {
  rmSync(store, { recursive: true, force: true });
  const monday = c.weekStart(c.weekKey(new Date()));
  for (let p = 0; p < PROGRAMS; p++) {
    const pdir = c.programPath(store, { name: `@bench/tool-${p}`, version: '1.0.0' });
    mkdirSync(pdir, { recursive: true, mode: 0o700 });
    const hashes = [];
    const defs = [];
    for (let i = 0; i < NAMES; i++) {
      const name = [`crash/crash`, `src/parser/expr${i}.ts:parseExpr:+${i % 40}`, `src/parser/statement.ts:parseStatement:+14`, `src/parser/block.ts:parseBlock:+${i % 7}`, `yargs/build/lib/command.js:runCommand:+31`, `yargs/build/lib/yargs-factory.js:[kRunYargsParserAndExecuteCommands]:+88`, `src/cli.ts:main:+7`, `src/cli.ts:<module>:12`].join('\n');
      const bytes = Buffer.from(name);
      const h = c.nameHash(bytes);
      hashes.push(h);
      defs.push(c.encodeName(bytes, h));
    }
    writeFileSync(join(pdir, c.NAMES_FILE), Buffer.concat(defs), { mode: 0o600 });
    for (let w = 0; w < WEEKS; w++) {
      const week = c.weekKey(new Date(monday.getTime() - w * 7 * 86400000));
      const recs = [];
      for (let i = 0; i < NAMES; i++) for (let k = i % 10 === 0 ? 4 : 1; k > 0; k--) recs.push(c.encodeCount(hashes[i], 1));
      writeFileSync(join(pdir, c.weekFileName(week)), Buffer.concat(recs), { mode: 0o600 });
    }
  }
}

console.log(`store: ${PROGRAMS} programs x ${WEEKS} weeks x ${NAMES} names (${store})`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (x) => x.toFixed(1).padStart(6);

// 1. In-process: the first (cold) read, then warm reads.
for (const fn of ['readTotals', 'readStore']) {
  let t0 = performance.now();
  const r = c[fn](store, {});
  const cold = performance.now() - t0;
  const warm = [];
  for (let i = 0; i < 10; i++) { t0 = performance.now(); c[fn](store, {}); warm.push(performance.now() - t0); }
  const list = r.rows ?? r.totals;
  const total = list.reduce((n, x) => n + x.count, 0);
  console.log(`${fn} in-process: ${list.length} ${r.rows ? 'rows' : 'totals'}, ${total} increments, ${r.damage.length} damage lines; first call ${cold.toFixed(1)} ms, warm median ${median(warm).toFixed(1)} ms`);
}

// 2. Fresh processes, interleaved so machine noise hits both alike. Wall time from outside, and
// the process's own CPU time (user + system, all threads) at exit, which load from other
// processes disturbs less.
const time = (argv) => { const t0 = performance.now(); const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] }); if (r.status !== 0) throw new Error(`failed: ${argv.join(' ')}`); return [performance.now() - t0, String(r.stdout)]; };
const stats = (xs) => `median ${fmt(median(xs))}, min ${fmt(Math.min(...xs))}`;
for (const [mode, weeks] of [['totals', ''], ['totals', '7'], ['rows', '']]) {
  const base = [], baseCpu = [], wall = [], cpu = [], inside = [];
  for (let i = 0; i < runs; i++) {
    const [bt, bout] = time(['-e', 'const u = process.cpuUsage(); console.log((u.user + u.system) / 1000)']);
    base.push(bt); baseCpu.push(Number(bout));
    const [t, out] = time([join(work, 'read-store.cjs'), store, mode, weeks]);
    const f = out.trim().split(' ').map(Number);
    wall.push(t); inside.push(f[2]); cpu.push(f[3]);
  }
  console.log(`fresh process, ${mode === 'rows' ? 'readStore' : 'readTotals'}, ${weeks ? 'last 8 weeks' : 'all 52 weeks'}, ${runs} runs (ms):`);
  console.log(`  wall: node -e 0 ${stats(base)} | reader ${stats(wall)} | ratio of medians ${(median(wall) / median(base)).toFixed(2)}`);
  console.log(`  cpu:  node -e 0 ${stats(baseCpu)} | reader ${stats(cpu)} | ratio of medians ${(median(cpu) / median(baseCpu)).toFixed(2)}`);
  console.log(`  the read call itself: ${stats(inside)}`);
}

// 3. One increment from a fresh process: module load + increment, measured inside the process.
{
  const dir = join(work, 'increment-store');
  rmSync(dir, { recursive: true, force: true });
  const load = [], inc = [], wall = [];
  for (let i = 0; i < runs; i++) {
    const name = `crash/crash\nsrc/a.ts:f${i % 5}:+1\nsrc/cli.ts:main:+7`;
    const [t, out] = time([join(work, 'increment.cjs'), dir, name]);
    const [l, n] = out.trim().split(' ').map(Number);
    load.push(l); inc.push(n); wall.push(t);
  }
  console.log(`increment from a fresh process, ${runs} runs (ms): require ${stats(load)} | increment ${stats(inc)} | process wall ${stats(wall)}`);
}
