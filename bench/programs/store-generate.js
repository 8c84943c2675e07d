// Row 5's store, written through the store API (bundled into bench/.work/inspect/generate.cjs):
// PROGRAMS programs, each with STACKS distinct stack counters of 4-10 frames, counted in each of
// the WEEKS weeks up to now, with counts skewed the way crashes are (a few stacks dominate).
// Deterministic: the same arguments give the same store. Usage: node generate.cjs <dir>
import { openStore } from '../../src/counter/store.ts';

export const PROGRAMS = 10;
export const STACKS = 500;
export const WEEKS = 52;

const TOOLS = ['tsc-lite', '@acme/deploy', 'lintkit', 'bundlr', 'docgen', '@corp/cli', 'migrate-db', 'imgopt', 'pkgaudit', 'testrun'];
const DIRS = ['src', 'src/commands', 'src/core', 'src/util', 'lib', 'src/parser', 'src/io'];
const FILES = ['index', 'parser', 'lexer', 'config', 'resolve', 'emit', 'cache', 'fs', 'graph', 'plugin', 'worker', 'report'];
const VERBS = ['parse', 'read', 'load', 'resolve', 'emit', 'visit', 'walk', 'check', 'build', 'run', 'apply', 'write', 'merge'];
const NOUNS = ['Expr', 'Statement', 'Config', 'Module', 'Graph', 'Node', 'File', 'Plugin', 'Entry', 'Chunk', 'Options', 'Scope'];
const DEPS = ['yargs/build/lib/command.js', 'commander/lib/command.js', 'fast-glob/out/index.js', 'semver/classes/range.js', 'node:fs', 'node:events'];

/** mulberry32: a small seeded generator, so the store is the same on every machine. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function frame(rnd) {
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  if (rnd() < 0.15) {
    const dep = pick(DEPS);
    return dep.startsWith('node:') ? `${dep}:${pick(VERBS)}${pick(NOUNS)}` : `${dep}:${pick(VERBS)}${pick(NOUNS)}:+${1 + Math.floor(rnd() * 60)}`;
  }
  return `${pick(DIRS)}/${pick(FILES)}.ts:${pick(VERBS)}${pick(NOUNS)}:+${Math.floor(rnd() * 40)}`;
}

/** STACKS distinct names of 4-10 frames each, innermost first, as the stack module writes them. */
export function stackNames(rnd) {
  const names = new Set();
  while (names.size < STACKS) {
    const frames = Array.from({ length: 3 + Math.floor(rnd() * 7) }, () => frame(rnd));
    names.add(['crash/crash', ...frames, 'src/cli.ts:main:+7'].join('\n'));
  }
  return [...names];
}

export function generate(dir, end = new Date()) {
  const store = openStore(dir);
  let increments = 0;
  let total = 0;
  for (let p = 0; p < PROGRAMS; p++) {
    const rnd = random(1000 + p);
    const program = { name: TOOLS[p], version: `${1 + (p % 3)}.${p}.0` };
    const names = stackNames(rnd);
    for (let w = WEEKS - 1; w >= 0; w--) {
      const when = new Date(end.getTime() - w * 7 * 86_400_000);
      for (let k = 0; k < STACKS; k++) {
        // Zipf-like: stack k is counted about 50/(k+1) times a week, at least once.
        const delta = 1 + Math.floor((50 / (k + 1)) * rnd());
        store.increment(program, names[k], delta, when);
        increments++;
        total += delta;
      }
    }
  }
  return { increments, total, counters: PROGRAMS * STACKS };
}

if (process.argv[2]) {
  const t0 = Date.now();
  const summary = generate(process.argv[2]);
  process.stdout.write(`${JSON.stringify({ ...summary, ms: Date.now() - t0 })}\n`);
}
