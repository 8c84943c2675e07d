#!/usr/bin/env node
// Source-map libraries side by side on a real, large map: which one the crash path should use.
//
//   node bench/sourcemap/compare.mjs [--runs N] [--quick] [--no-sources-content]
//
// Inputs are generated here, into bench/.work/sourcemap/ (gitignored): esbuild bundles
// node_modules/typescript/lib/typescript.js (through a one-line entry that re-exports it), minified, once without sourcesContent (a 3.6 MB
// bundle with a 5 MB map: mappings only) and once with it (the same bundle with a 14.5 MB map,
// what most tools ship by default), plus the watchdog's own src/symbolize bundled to plain JS.
//
// Each measurement runs in a fresh Node process (the crash path is one), libraries interleaved,
// N runs each (default 5); the table shows medians. Columns:
//   read, parse     readFileSync(map, 'utf8') and JSON.parse (the same for every library)
//   construct       the library's constructor on the parsed map
//   first lookup    the first original-position lookup after construction
//   10 lookups      ten lookups at random positions (the first included)
//   e2e             read + parse + construct + 10 lookups: what a crash pays (the end-to-end rows
//                   also locate the map from the bundle's sourceMappingURL and read the file)
//   per lookup      steady state, over 20,000 random positions after the above
//   peak RSS        the worker's maxRSS at the end
// Correctness: every library maps the same sampled generated positions (half exact segment
// starts, half arbitrary columns); results are compared with @jridgewell/trace-mapping's.
//
// Importable without a build (exports prepareInputs, samplePositions, LIBRARIES, runWorker);
// runs main() only when executed directly.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
export const WORK = join(REPO, 'bench', '.work', 'sourcemap');
const require = createRequire(join(REPO, 'package.json'));

/** Builds the inputs unless present (or `force`); returns their paths. */
export async function prepareInputs({ force = false } = {}) {
  mkdirSync(WORK, { recursive: true });
  const esbuild = require('esbuild');
  // An entry that re-exports the compiler, so the bundle can be required (names.mjs runs it).
  const entry = { contents: "module.exports = require('typescript');", resolveDir: REPO, sourcefile: 'entry.cjs', loader: 'js' };
  const inputs = {
    bundle: join(WORK, 'ts-min.cjs'),
    bundleWithSources: join(WORK, 'ts-min-sc.cjs'),
    plainBundle: join(WORK, 'ts-plain.cjs'),
    symbolizer: join(WORK, 'watchdog-symbolize.mjs'),
  };
  const common = { stdin: entry, bundle: true, platform: 'node', format: 'cjs', sourcemap: true, logLevel: 'error' };
  if (force || !existsSync(`${inputs.bundle}.map`)) {
    await esbuild.build({ ...common, minify: true, sourcesContent: false, outfile: inputs.bundle });
  }
  if (force || !existsSync(`${inputs.bundleWithSources}.map`)) {
    await esbuild.build({ ...common, minify: true, sourcesContent: true, outfile: inputs.bundleWithSources });
  }
  if (force || !existsSync(`${inputs.plainBundle}.map`)) {
    await esbuild.build({ ...common, minify: false, sourcesContent: false, outfile: inputs.plainBundle });
  }
  // The symbolizer is rebuilt every time: it is what is being measured.
  await esbuild.build({
    stdin: {
      contents: [
        "export { createSymbolizer } from './src/symbolize/index.ts';",
        "export { parseSourceMap, sourceMapFromJson } from './src/symbolize/load.ts';",
        "export { Mappings } from './src/symbolize/mappings.ts';",
      ].join('\n'),
      resolveDir: REPO,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: inputs.symbolizer,
    logLevel: 'error',
  });
  return inputs;
}

/** A small deterministic PRNG (mulberry32), so every run samples the same positions. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` generated positions ({ line: 1-based, column: 0-based }) of the map: even indices are
 * exact segment starts, odd ones arbitrary columns up to a little past the line's last segment.
 */
export function samplePositions(mapJson, count, seed = 1) {
  const { TraceMap, decodedMappings } = require('@jridgewell/trace-mapping');
  const lines = decodedMappings(new TraceMap(mapJson));
  const withSegments = [];
  for (let i = 0; i < lines.length; i++) if (lines[i].length > 0) withSegments.push(i);
  const next = random(seed);
  const positions = [];
  for (let k = 0; k < count; k++) {
    const line = withSegments[Math.floor(next() * withSegments.length)];
    const segments = lines[line];
    const column =
      k % 2 === 0
        ? segments[Math.floor(next() * segments.length)][0]
        : Math.floor(next() * (segments[segments.length - 1][0] + 40));
    positions.push({ line: line + 1, column });
  }
  return positions;
}

/** Normalizes a library's answer to [source path or URL, line (1-based), column (0-based), name]. */
function normalize(mapUrl, source, line, column, name) {
  if (source === null || source === undefined || line === null || line === undefined) return null;
  let s = source;
  try {
    const url = new URL(source, mapUrl);
    s = url.protocol === 'file:' ? fileURLToPath(url) : url.href;
  } catch {
    // keep as is
  }
  return [s, line, column, name ?? null];
}

/**
 * The libraries. Each `load(text, mapPath)` returns a lookup function
 * (line 1-based, column 0-based) => normalized answer or null. `e2e` ones instead take the
 * bundle path and do everything themselves (locate, read, parse).
 */
export const LIBRARIES = {
  'JSON.parse only (floor)': {
    load: (json) => () => (json ? null : null),
  },
  '@jridgewell/trace-mapping 0.3.31': {
    load: (json, mapUrl) => {
      const { TraceMap, originalPositionFor } = require('@jridgewell/trace-mapping');
      const map = new TraceMap(json, mapUrl);
      return (line, column) => {
        const p = originalPositionFor(map, { line, column });
        return normalize(mapUrl, p.source, p.line, p.column, p.name);
      };
    },
  },
  'source-map 0.6.1 (source-map-support)': {
    load: (json, mapUrl) => {
      const fromSupport = createRequire(require.resolve('source-map-support'));
      const { SourceMapConsumer } = fromSupport('source-map');
      const map = new SourceMapConsumer(json, mapUrl);
      return (line, column) => {
        const p = map.originalPositionFor({ line, column });
        return normalize(mapUrl, p.source, p.line, p.column, p.name);
      };
    },
  },
  'node:module SourceMap (Node 20)': {
    load: (json, mapUrl) => {
      const { SourceMap } = require('node:module');
      const map = new SourceMap(json);
      return (line, column) => {
        const p = map.findEntry(line - 1, column);
        if (!p || p.originalSource === undefined) return null;
        return normalize(mapUrl, p.originalSource, p.originalLine + 1, p.originalColumn, p.name);
      };
    },
  },
  'watchdog src/symbolize (own lazy decoder)': {
    load: (json, mapUrl, mod) => {
      const map = mod.sourceMapFromJson(json, mapUrl);
      return (line, column) => {
        const p = map.lookup(line, column + 1);
        return p === null ? null : normalize(mapUrl, p.source, p.line, p.column - 1, p.name);
      };
    },
    own: true,
  },
  'source-map-support mapSourcePosition (e2e)': {
    e2e: (bundle) => {
      const support = require('source-map-support');
      return (line, column) => {
        const p = support.mapSourcePosition({ source: bundle, line, column });
        return p.source === bundle ? null : normalize(pathToFileURL(bundle).href, p.source, p.line, p.column, p.name);
      };
    },
  },
  'watchdog createSymbolizer().symbolize (e2e)': {
    e2e: (bundle, mod) => {
      const symbolizer = mod.createSymbolizer();
      return (line, column) => {
        const frame = { file: bundle, function: null, line, column: column + 1, enclosingLine: null, enclosingColumn: null };
        const out = symbolizer.symbolize(frame, null);
        return out === frame ? null : normalize(pathToFileURL(bundle).href, out.file, out.line, out.column - 1, null);
      };
    },
  },
};

const now = () => performance.now();

/** One measurement in this process: { read, parse, construct, first, ten, e2e, perLookupUs, rssMb, answers? }. */
export async function runWorker({ library, bundle, positionsFile, symbolizer, check }) {
  const lib = LIBRARIES[library];
  const positions = JSON.parse(readFileSync(positionsFile, 'utf8'));
  const mod = lib.own || lib.e2e ? await import(pathToFileURL(symbolizer).href) : null;
  const mapPath = `${bundle}.map`;
  const mapUrl = pathToFileURL(mapPath).href;
  const out = {};
  let lookup;
  const t0 = now();
  if (lib.e2e) {
    lookup = lib.e2e(bundle, mod);
  } else {
    const text = readFileSync(mapPath, 'utf8');
    const t1 = now();
    const json = JSON.parse(text);
    const t2 = now();
    lookup = lib.load(json, mapUrl, mod);
    const t3 = now();
    out.read = t1 - t0;
    out.parse = t2 - t1;
    out.construct = t3 - t2;
  }
  const tl = now();
  lookup(positions[0].line, positions[0].column);
  const tf = now();
  for (let k = 1; k < 10; k++) lookup(positions[k].line, positions[k].column);
  const tt = now();
  out.first = tf - tl;
  out.ten = tt - tl;
  out.e2e = tt - t0;
  if (lib.e2e) out.construct = null;
  const rounds = 20000;
  const ts = now();
  for (let k = 0; k < rounds; k++) {
    const p = positions[k % positions.length];
    lookup(p.line, p.column);
  }
  out.perLookupUs = ((now() - ts) / rounds) * 1000;
  out.rssMb = process.resourceUsage().maxRSS / 1024;
  if (check) out.answers = positions.map((p) => lookup(p.line, p.column));
  return out;
}

function median(values) {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function spawnWorker(args) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', JSON.stringify(args)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`worker ${args.library} failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

function fmt(value, digits = 1) {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

function table(rows) {
  const header = ['library', 'read ms', 'parse ms', 'construct ms', 'first lookup ms', '10 lookups ms', 'e2e ms', 'per lookup µs', 'peak RSS MB', 'vs trace-mapping'];
  const body = rows.map((r) => [r.library, fmt(r.read), fmt(r.parse), fmt(r.construct), fmt(r.first), fmt(r.ten), fmt(r.e2e), fmt(r.perLookupUs, 2), fmt(r.rssMb, 0), r.agreement]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Compares answers with the reference; returns a short text. */
function agreement(answers, reference, positions, ignoreNames) {
  let same = 0;
  let mappedDiffer = 0;
  let extra = 0;
  let missing = 0;
  for (let i = 0; i < positions.length; i++) {
    const strip = (x) => (x !== null && ignoreNames ? x.slice(0, 3) : x);
    const a = JSON.stringify(strip(answers[i]));
    const r = JSON.stringify(strip(reference[i]));
    if (a === r) same++;
    else if (reference[i] === null) extra++;
    else if (answers[i] === null) missing++;
    else mappedDiffer++;
  }
  if (same === positions.length) return `${same}/${positions.length} same`;
  const parts = [`${same}/${positions.length} same`];
  if (mappedDiffer) parts.push(`${mappedDiffer} differ`);
  if (extra) parts.push(`${extra} mapped where t-m gives none`);
  if (missing) parts.push(`${missing} unmapped`);
  return parts.join(', ');
}

async function measure(label, bundle, inputs, runs, sampleCount) {
  const mapJson = JSON.parse(readFileSync(`${bundle}.map`, 'utf8'));
  const positions = samplePositions(mapJson, sampleCount, 7);
  const positionsFile = join(WORK, `positions-${label}.json`);
  writeFileSync(positionsFile, JSON.stringify(positions));
  const names = Object.keys(LIBRARIES);
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let run = 0; run < runs; run++) {
    // Rotate the order so no library always runs right after the same neighbour.
    const order = names.map((_, i) => names[(i + run) % names.length]);
    for (const library of order) {
      results[library].push(spawnWorker({ library, bundle, positionsFile, symbolizer: inputs.symbolizer, check: false }));
    }
  }
  const checks = Object.fromEntries(
    names.filter((n) => !n.startsWith('JSON')).map((library) => [library, spawnWorker({ library, bundle, positionsFile, symbolizer: inputs.symbolizer, check: true }).answers]),
  );
  const reference = checks['@jridgewell/trace-mapping 0.3.31'];
  const rows = names.map((library) => {
    const r = results[library];
    const pick = (key) => median(r.map((x) => x[key]));
    return {
      library,
      read: pick('read'),
      parse: pick('parse'),
      construct: pick('construct'),
      first: library.startsWith('JSON') ? null : pick('first'),
      ten: library.startsWith('JSON') ? null : pick('ten'),
      e2e: pick('e2e'),
      perLookupUs: library.startsWith('JSON') ? null : pick('perLookupUs'),
      rssMb: pick('rssMb'),
      agreement: checks[library] ? agreement(checks[library], reference, positions, library.includes('(e2e)')) : '-',
    };
  });
  return rows;
}

async function main(argv) {
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || (argv.includes('--quick') ? 3 : 5);
  const sampleCount = argv.includes('--quick') ? 1000 : 4000;
  const inputs = await prepareInputs({ force: argv.includes('--force') });
  const size = (p) => (statSync(p).size / 1e6).toFixed(1);
  console.log(`node ${process.version}, ${runs} runs per library (medians), ${sampleCount} sampled positions, fresh process per run`);
  const sets = [['5mb', inputs.bundle]];
  if (!argv.includes('--no-sources-content')) sets.push(['sc', inputs.bundleWithSources]);
  for (const [label, bundle] of sets) {
    console.log(`\n${label === 'sc' ? 'with sourcesContent' : 'mappings only'}: bundle ${size(bundle)} MB, map ${size(`${bundle}.map`)} MB (${bundle.slice(REPO.length + 1)})\n`);
    console.log(table(await measure(label, bundle, inputs, runs, sampleCount)));
  }
}

if (process.argv[2] === '--worker') {
  const out = await runWorker(JSON.parse(process.argv[3]));
  process.stdout.write(JSON.stringify(out));
} else if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
