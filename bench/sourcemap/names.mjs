#!/usr/bin/env node
// Function names in minified code: which rule gives back the original name, measured on real
// crashes inside an esbuild-minified bundle of TypeScript's compiler.
//
//   node bench/sourcemap/names.mjs
//
// The same crashes run in two bundles of node_modules/typescript/lib/typescript.js built by
// compare.mjs's prepareInputs (bench/.work/sourcemap/): ts-min.cjs (minified, names mangled) and
// ts-plain.cjs (not minified). A crash is provoked deep inside the compiler by making the k-th
// call of a built-in throw (String.prototype.charCodeAt while parsing, Map.prototype.get while
// type-checking), for several k; V8's frames are captured with their enclosing positions. The
// call sequence is the same in both bundles, so frame i of one is frame i of the other, and the
// plain bundle's V8 name is the truth. Three rules for the minified frame's name:
//   keep V8's        the mangled name as V8 reports it
//   name at start    the map's name at the function's start (V8's enclosing position)
//   watchdog         src/symbolize (names.ts): the map's name at the identifier V8 named
// It also checks that both bundles' frames map to the same original line of typescript.js.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WORK, prepareInputs } from './compare.mjs';

const DRIVER = `
const [bundle, scenario, k] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const ts = require(bundle);
Error.stackTraceLimit = 200;
let frames = null;
Error.prepareStackTrace = (error, sites) => {
  error.frames = sites.map((c) => ({ file: c.getFileName() ?? null, function: c.getFunctionName() || null, line: c.getLineNumber(),
    column: c.getColumnNumber(), enclosingLine: c.getEnclosingLineNumber(), enclosingColumn: c.getEnclosingColumnNumber() }));
  return '';
};
const SOURCE = \`
export abstract class Shape<T extends { id: number }> {
  constructor(protected readonly items: T[] = []) {}
  abstract area(scale?: number): number;
  largest(): T | undefined { return this.items.reduce<T | undefined>((a, b) => (a && a.id > b.id ? a : b), undefined); }
}
export class Square extends Shape<{ id: number; side: number }> {
  area(scale = 1): number { return this.items.map((i) => i.side * i.side * scale).reduce((a, b) => a + b, 0); }
}
export function* ids(shapes: Shape<{ id: number }>[]): Generator<number> { for (const s of shapes) yield s.largest()?.id ?? -1; }
export const total = async (xs: Promise<number>[]) => { let t = 0; for await (const x of xs) t += x; return t; };
type Deep<T> = { [K in keyof T]: T[K] extends object ? Deep<T[K]> : T[K] };
export const value: Deep<{ a: { b: number[] } }> = { a: { b: [1, 2, 3].filter((n) => n % 2 === 1) } };
enum Color { Red = 1, Green = Red << 1, Blue = Green | Red }
export default { Color, s: new Square([{ id: 1, side: 2 }]).area(2) };
\`;
function arm(proto, method) {
  const original = proto[method];
  let calls = 0;
  proto[method] = function (...args) {
    if (++calls === k) { proto[method] = original; throw new Error('injected'); }
    return original.apply(this, args);
  };
  return () => { proto[method] = original; };
}
let disarm = () => {};
try {
  if (scenario === 'parse') {
    disarm = arm(String.prototype, 'charCodeAt');
    ts.createSourceFile('shapes.ts', SOURCE, ts.ScriptTarget.ESNext, true);
  } else {
    const sf = ts.createSourceFile('shapes.ts', SOURCE, ts.ScriptTarget.ESNext, true);
    const host = {
      getSourceFile: (name) => (name === 'shapes.ts' ? sf : undefined), writeFile() {}, getDefaultLibFileName: () => 'lib.d.ts',
      useCaseSensitiveFileNames: () => true, getCanonicalFileName: (f) => f, getCurrentDirectory: () => '/', getNewLine: () => '\\\\n',
      fileExists: (f) => f === 'shapes.ts', readFile: () => undefined,
    };
    const program = ts.createProgram(['shapes.ts'], { noLib: true, strict: true, target: ts.ScriptTarget.ES2022 }, host);
    disarm = arm(Map.prototype, 'get');
    program.getSemanticDiagnostics(sf);
  }
} catch (error) {
  disarm();
  void error.stack;
  if (error.message === 'injected') frames = error.frames;
}
disarm();
process.stdout.write(JSON.stringify(frames === null ? [] : frames.filter((f) => f.file === bundle)));
`;

function crash(driver, bundle, scenario, k) {
  const run = spawnSync(process.execPath, [driver, bundle, scenario, String(k)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

async function main() {
  const inputs = await prepareInputs();
  const driver = join(WORK, 'names-driver.cjs');
  writeFileSync(driver, DRIVER);
  const mod = await import(pathToFileURL(inputs.symbolizer).href);
  const { readFileSync } = await import('node:fs');
  const minMap = mod.parseSourceMap(readFileSync(`${inputs.bundle}.map`, 'utf8'), pathToFileURL(`${inputs.bundle}.map`).href);

  const cases = [];
  for (const k of [60, 150, 300, 500, 800, 1100, 1500, 2000, 2600, 3200]) cases.push(['parse', k]);
  for (const k of [10, 30, 50, 100, 150, 200, 300, 400, 500, 650]) cases.push(['check', k]);

  const totals = { frames: 0, renamed: 0, sameLine: 0, keep: 0, atStart: 0, watchdog: 0, atStartWrong: 0, watchdogWrong: 0, noCrash: 0, differ: 0 };
  const times = [];
  const misses = [];
  for (const [scenario, k] of cases) {
    const min = crash(driver, inputs.bundle, scenario, k);
    const plain = crash(driver, inputs.plainBundle, scenario, k);
    if (min.length === 0 && plain.length === 0) {
      totals.noCrash++; // k is past the last call
      continue;
    }
    if (min.length !== plain.length) {
      totals.differ++;
      continue;
    }
    const minSymbolizer = mod.createSymbolizer();
    const plainSymbolizer = mod.createSymbolizer();
    const started = performance.now();
    const mappedMin = min.map((f) => minSymbolizer.symbolize(f, null));
    times.push(performance.now() - started);
    const mappedPlain = plain.map((f) => plainSymbolizer.symbolize(f, null));
    for (let i = 0; i < min.length; i++) {
      const truth = plain[i].function;
      if (truth === null) continue;
      totals.frames++;
      if (min[i].function !== truth) totals.renamed++;
      if (mappedMin[i].file === mappedPlain[i].file && mappedMin[i].line === mappedPlain[i].line) totals.sameLine++;
      if (min[i].function === truth) totals.keep++;
      const start = minMap.lookup(min[i].enclosingLine, min[i].enclosingColumn);
      const atStart = start?.name ?? min[i].function;
      if (atStart === truth) totals.atStart++;
      else if (start?.name) totals.atStartWrong++;
      if (mappedMin[i].function === truth) totals.watchdog++;
      else if (mappedMin[i].function !== min[i].function) totals.watchdogWrong++;
      if (mappedMin[i].function !== truth) misses.push({ v8: min[i].function, truth, atStart, watchdog: mappedMin[i].function });
    }
  }
  const pct = (n) => `${n} (${((100 * n) / totals.frames).toFixed(1)}%)`;
  times.sort((a, b) => a - b);
  const crashes = cases.length - totals.noCrash - totals.differ;
  console.log(`${crashes} crashes (${totals.differ} left out: the two bundles' stacks differ), ${totals.frames} named frames inside the bundle, ${totals.renamed} of them mangled by the minifier`);
  console.log(`both bundles map to the same original file and line: ${pct(totals.sameLine)}\n`);
  console.log('| rule | original name recovered | a wrong name from the map |');
  console.log('|------|------------------------:|--------------------------:|');
  console.log(`| keep V8's | ${pct(totals.keep)} | - |`);
  console.log(`| name at the function's start (enclosing position) | ${pct(totals.atStart)} | ${totals.atStartWrong} |`);
  console.log(`| watchdog (name at the identifier V8 named) | ${pct(totals.watchdog)} | ${totals.watchdogWrong} |`);
  console.log(`\nsymbolizing one crash's frames in the minified bundle (fresh Symbolizer, map and generated text read): median ${times[times.length >> 1].toFixed(1)} ms over ${times.length} crashes (avg ${Math.round(totals.frames / times.length)} frames)`);
  if (misses.length) console.log('\nnames the watchdog rule does not recover:', misses);
}

await main();
