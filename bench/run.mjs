#!/usr/bin/env node
/**
 * `npm run bench`: measures the watchdog's cost side by side with the floor it is held to, and
 * prints one table of ratios. See BENCHMARKS.md for the targets and the last measured table.
 *
 *   node bench/run.mjs [--runs N] [--warmup N] [--only ROW[,ROW]] [--dist DIR] [--markdown] [--hyperfine] [--keep-env]
 *
 * Rows (by number or name): 1 startup, 2 preload, 3 crash, 4 store, 5 inspect, 6 memory,
 * 7 passthrough. Everything the rows build or write goes to bench/.work/ (gitignored); the last
 * table is also in bench/.work/results.md (markdown) and its samples in bench/.work/results.json.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describe, loadNow, machine } from './lib/machine.mjs';
import { distPaths, existsSync, freshDir, workPath } from './lib/paths.mjs';
import { renderMarkdown, renderText } from './lib/table.mjs';
import * as startup from './rows/startup.mjs';
import * as preload from './rows/preload.mjs';
import * as crash from './rows/crash.mjs';
import * as store from './rows/store.mjs';
import * as inspect from './rows/inspect.mjs';
import * as memory from './rows/memory.mjs';
import * as passthrough from './rows/passthrough.mjs';

const ROWS = [startup, preload, crash, store, inspect, memory, passthrough];

const USAGE = `Usage: node bench/run.mjs [options]
  --runs N       recorded rounds for whole-process timings (default 30; rows 3, 6 and 7, whose
                 runs are long or steady, use a third of it, at least 5)
  --warmup N     unrecorded rounds first (default 3)
  --only ROWS    comma-separated rows by number or name: ${ROWS.map((r) => `${r.number} ${r.id}`).join(', ')}
  --dist DIR     the bundles under test (default dist/)
  --markdown     print the table as markdown (for BENCHMARKS.md)
  --keep-env     keep NODE_EXTRA_CA_CERTS in the measured processes' environment
  --hyperfine    also time row 1 with hyperfine, if installed (a non-interleaved cross-check)`;

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '3' },
      only: { type: 'string' },
      dist: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      hyperfine: { type: 'boolean', default: false },
      'keep-env': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const count = (name, min) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} takes an integer >= ${min}`);
    return n;
  };
  const wanted = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const rows = wanted ? ROWS.filter((r) => wanted.includes(r.id) || wanted.includes(String(r.number))) : ROWS;
  const unknown = wanted?.filter((w) => !ROWS.some((r) => r.id === w || String(r.number) === w)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown row ${unknown.join(', ')} (rows: ${ROWS.map((r) => r.id).join(', ')})`);
  return { runs: count('runs', 1), warmup: count('warmup', 0), rows, dist: distPaths(values.dist), markdown: values.markdown, hyperfine: values.hyperfine, keepEnv: values['keep-env'] };
}

/**
 * The environment every measured process starts from: the user's, minus anything that would steer
 * the watchdog or Node, and minus NODE_EXTRA_CA_CERTS (unless --keep-env): Node 20 reads and parses
 * that certificate bundle at every start-up, which costs about 80 ms per Node process on the
 * shared machines. Both sides would pay it, so it would only dilute every ratio toward 1.
 */
function cleanEnv(keep) {
  const env = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('WATCHDOG_') || key.startsWith('BENCH_') || key === 'NODE_OPTIONS') delete env[key];
  if (!keep) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

function progress(name) {
  if (!process.stderr.isTTY) return () => {};
  return (done, total) => {
    process.stderr.write(`\r  ${name}: ${done}/${total}`);
    if (done === total) process.stderr.write('\r\x1b[K');
  };
}

async function main() {
  const opts = options();
  for (const file of [opts.dist.cli, opts.dist.preload]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first (npm run bench does)`);
  }
  // Measure a copy: a rebuild of dist/ while the bench runs (rm -rf dist, then write) must not
  // pull the bundles from under the measured processes.
  const copy = freshDir('dist');
  cpSync(opts.dist.dir, copy, { recursive: true });
  opts.dist = distPaths(copy);
  const info = machine();
  const recorded = {};
  const ctx = {
    runs: opts.runs,
    heavyRuns: Math.max(5, Math.round(opts.runs / 3)),
    warmup: opts.warmup,
    dist: opts.dist,
    env: cleanEnv(opts.keepEnv),
    hyperfine: opts.hyperfine,
    progress,
    log: (line) => process.stderr.write(`  ${line}\n`),
    record: (key, data) => {
      recorded[key] = data;
    },
  };
  const results = [];
  let errors = 0;
  for (const row of opts.rows) {
    process.stderr.write(`row ${row.number}: ${row.title}\n`);
    try {
      results.push(...(await row.run(ctx)));
    } catch (error) {
      errors++;
      const message = error instanceof Error ? error.message : String(error);
      results.push({ row: String(row.number), what: row.title, result: `error: ${message.split('\n')[0]}` });
      process.stderr.write(`${message}\n`);
    }
  }
  info.loadEnd = loadNow();
  const header = `watchdog benchmarks: medians of ${opts.runs} interleaved runs (${ctx.heavyRuns} for rows 3, 6, 7) after ${opts.warmup} warm-up rounds; ${describe(info)}`;
  const table = opts.markdown ? renderMarkdown(results) : renderText(results);
  process.stdout.write(`${header}\n\n${table}\n`);
  const passed = results.filter((r) => r.result === 'pass').length;
  const checked = results.filter((r) => r.result === 'pass' || r.result === 'FAIL').length;
  process.stdout.write(`\n${passed} of ${checked} targets met.\n`);
  writeFileSync(workPath('results.md'), `${header}\n\n${renderMarkdown(results)}\n`);
  writeFileSync(workPath('results.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: info, runs: opts.runs, warmup: opts.warmup, results, samples: recorded }, null, 2)}\n`);
  // A missed target is a finding, not a failure of the harness; a row that could not run is.
  process.exitCode = errors > 0 ? 1 : 0;
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
