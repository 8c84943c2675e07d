/**
 * The symbolizer on real builds (TypeScript's transpileModule, esbuild bundles plain, minified,
 * ESM, inline) run under Node: the frames V8 reports map back to the original files, lines,
 * function starts and names.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { createSymbolizer } from '../../src/symbolize/index.js';
import type { Frame } from '../../src/traceback/frame.js';
import { cleanup, crashFrames, lineOf, tempDir, writeTree } from './helpers.js';

afterAll(cleanup);

/** A small program over four modules; markers name the lines the frames must map to. */
const SOURCES: Record<string, string> = {
  'src/parse.ts': [
    '// Parsing, the innermost frame.',
    'export interface Parsed { length: number }',
    '',
    'export function parse(text: string): Parsed { // START-parse',
    '  if (text.length > 3) {',
    "    throw new TypeError('too long'); // THROW",
    '  }',
    '  return { length: text.length };',
    '}',
  ].join('\n'),
  'src/check.ts': [
    "import { parse, type Parsed } from './parse.js';",
    '',
    'export const check = (text: string): Parsed => { // START-check',
    '  const trimmed = text.trim();',
    '  return parse(trimmed); // CALL-parse',
    '};',
  ].join('\n'),
  'src/runner.ts': [
    "import { check } from './check.js';",
    '',
    'export class Runner {',
    '  count = 0;',
    '',
    '  run(text: string): number { // START-run',
    '    this.count++;',
    '    return check(text).length; // CALL-check',
    '  }',
    '}',
  ].join('\n'),
  'src/main.ts': [
    "import { Runner } from './runner.js';",
    '',
    'function main(): void { // START-main',
    '  const runner = new Runner();',
    "  runner.run('hello world'); // CALL-run",
    '}',
    '',
    'main(); // CALL-main',
  ].join('\n'),
};

interface Expected {
  file: string;
  marker: string;
  start: string | null;
  fn: string | null;
}

/** Innermost first; the last is the module's top-level code (no function, starts at 1:1). */
const EXPECTED: Expected[] = [
  { file: 'src/parse.ts', marker: 'THROW', start: 'START-parse', fn: 'parse' },
  { file: 'src/check.ts', marker: 'CALL-parse', start: 'START-check', fn: 'check' },
  { file: 'src/runner.ts', marker: 'CALL-check', start: 'START-run', fn: 'run' },
  { file: 'src/main.ts', marker: 'CALL-run', start: 'START-main', fn: 'main' },
  { file: 'src/main.ts', marker: 'CALL-main', start: null, fn: null },
];

function project(extra: Record<string, string> = {}): string {
  const root = tempDir();
  writeTree(root, { 'package.json': JSON.stringify({ name: 'fixture', type: 'commonjs' }), ...SOURCES, ...extra });
  return root;
}

/**
 * Checks the program's own frames against EXPECTED: the first four are the innermost calls; the
 * module's top-level frame follows, possibly after frames of a bundler's runtime helpers (which
 * have no mapping and stay as they are).
 */
function expectProgramFrames(root: string, frames: Frame[]): Frame[] {
  const symbolizer = createSymbolizer();
  const mapped = frames.map((f) => symbolizer.symbolize(f, root));
  const main = join(root, 'src/main.ts');
  const top = mapped.findIndex((f, i) => i >= EXPECTED.length - 1 && f.file === main && f.line === lineOf(main, 'CALL-main'));
  expect(top).toBeGreaterThanOrEqual(EXPECTED.length - 1);
  const own = [...mapped.slice(0, EXPECTED.length - 1), mapped[top]!];
  const got = own.map((f) => ({ file: f.file, line: f.line, enclosingLine: f.enclosingLine, fn: f.function, toplevel: f.toplevel === true }));
  const want = EXPECTED.map((e) => {
    const file = join(root, e.file);
    return { file, line: lineOf(file, e.marker), enclosingLine: e.start === null ? 1 : lineOf(file, e.start), fn: e.fn, toplevel: e.start === null };
  });
  expect(got).toEqual(want);
  for (const f of own) expect(f.column).toBeGreaterThan(0);
  // Frames between the program's and Node's are a bundler's runtime helpers: unmapped, unchanged.
  for (let i = EXPECTED.length - 1; i < top; i++) expect(mapped[i]).toBe(frames[i]);
  // Node's own frames pass through untouched, as the very same objects.
  for (let i = top + 1; i < frames.length; i++) {
    if (frames[i]!.file?.startsWith('node:')) expect(mapped[i]).toBe(frames[i]);
  }
  return mapped;
}

describe('TypeScript (transpileModule), one .js per .ts', () => {
  function compile(root: string, out: string, options: ts.CompilerOptions): void {
    for (const name of Object.keys(SOURCES)) {
      const base = name.slice('src/'.length, -'.ts'.length);
      const result = ts.transpileModule(SOURCES[name]!, {
        fileName: `${base}.ts`,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceRoot: '../src/', ...options },
      });
      writeTree(root, { [`${out}/${base}.js`]: result.outputText });
      if (result.sourceMapText !== undefined) writeTree(root, { [`${out}/${base}.js.map`]: result.sourceMapText });
    }
  }

  it('separate .map files (sourceRoot set): frames map to the .ts files, lines and function starts', () => {
    const root = project();
    compile(root, 'dist', { sourceMap: true });
    expect(readFileSync(join(root, 'dist', 'parse.js'), 'utf8')).toContain('//# sourceMappingURL=parse.js.map');
    expectProgramFrames(root, crashFrames(join(root, 'dist', 'main.js')));
  });

  it('inline maps (data: URLs)', () => {
    const root = project();
    compile(root, 'dist', { inlineSourceMap: true });
    expect(readFileSync(join(root, 'dist', 'parse.js'), 'utf8')).toContain('//# sourceMappingURL=data:application/json;base64,');
    expectProgramFrames(root, crashFrames(join(root, 'dist', 'main.js')));
  });
});

describe('esbuild bundles of several modules', () => {
  async function bundle(root: string, options: Record<string, unknown>): Promise<string> {
    const outfile = join(root, 'dist', options.format === 'esm' ? 'bundle.mjs' : 'bundle.cjs');
    await build({ entryPoints: [join(root, 'src', 'main.ts')], bundle: true, platform: 'node', format: 'cjs', sourcemap: true, outfile, logLevel: 'error', ...options });
    return outfile;
  }

  it('plain CommonJS bundle with a .map file', async () => {
    const root = project();
    const out = await bundle(root, {});
    expectProgramFrames(root, crashFrames(out));
  });

  it('minified: positions map, and the original function names come back from the map', async () => {
    const root = project();
    const out = await bundle(root, { minify: true });
    const frames = crashFrames(out);
    // V8 sees the minified names...
    expect(frames.slice(0, 4).map((f) => f.function)).not.toEqual(['parse', 'check', 'run', 'main']);
    // ...the symbolizer gives the original ones (run is a method: not renamed by esbuild).
    expectProgramFrames(root, frames);
  });

  it('minified ES module (file: URLs in frames) with an inline map', async () => {
    const root = project();
    const out = await bundle(root, { minify: true, format: 'esm', sourcemap: 'inline' });
    const frames = crashFrames(out);
    expect(frames[0]!.file).toMatch(/^file:\/\//);
    expectProgramFrames(root, frames);
  });

  it('plain ES module bundle of a CommonJS-typed package: module wrappers named after a path become module code', async () => {
    const root = project();
    const out = await bundle(root, { format: 'esm' });
    const frames = crashFrames(out);
    // esbuild wraps each module in a function named after its path relative to the working directory
    expect(frames.some((f) => f.function?.endsWith('src/main.ts'))).toBe(true);
    const mapped = expectProgramFrames(root, frames);
    expect(mapped.some((f) => f.function?.includes('/'))).toBe(false);
  });

  it('a map whose names are missing: V8 names are kept', async () => {
    const root = project();
    const out = await bundle(root, { minify: true });
    const map = JSON.parse(readFileSync(`${out}.map`, 'utf8'));
    writeFileSync(`${out}.map`, JSON.stringify({ ...map, names: [] }));
    const frames = crashFrames(out);
    const mapped = frames.map((f) => createSymbolizer().symbolize(f, root));
    expect(mapped.slice(0, 4).map((f) => f.function)).toEqual(frames.slice(0, 4).map((f) => f.function));
    expect(mapped[0]!.file).toBe(join(root, 'src', 'parse.ts'));
  });
});

describe('frames that pass through', () => {
  const symbolizer = createSymbolizer();
  it.each<[string, Frame]>([
    ['no file', { file: null, function: 'map', line: null, column: null, enclosingLine: null, enclosingColumn: null, native: true }],
    ['node: built-in', { file: 'node:fs', function: 'readFileSync', line: 10, column: 3, enclosingLine: 9, enclosingColumn: 1 }],
    ['node:internal', { file: 'node:internal/modules/cjs/loader', function: 'Module._compile', line: 1521, column: 14, enclosingLine: 1483, enclosingColumn: 29 }],
    ['eval', { file: '/etc/passwd', function: null, line: 1, column: 1, enclosingLine: 1, enclosingColumn: 1, eval: true }],
    ['not a path', { file: '[eval]', function: null, line: 1, column: 1, enclosingLine: 1, enclosingColumn: 1 }],
    ['an http URL', { file: 'http://example.com/a.js', function: null, line: 1, column: 1, enclosingLine: null, enclosingColumn: null }],
    ['a missing file', { file: '/nonexistent/dir/a.js', function: 'f', line: 1, column: 1, enclosingLine: 1, enclosingColumn: 1 }],
    ['relative, no root', { file: 'dist/a.js', function: 'f', line: 1, column: 1, enclosingLine: 1, enclosingColumn: 1 }],
  ])('%s: the same object', (_, frame) => {
    expect(symbolizer.symbolize(frame, null)).toBe(frame);
  });
});

/** A one-file package whose map is written by hand: dist/gen.js (3 lines) and its map. */
function handMade(map: object): { root: string; gen: string } {
  const root = tempDir();
  writeTree(root, {
    'package.json': '{}',
    'dist/gen.js': 'line one;\nline two;\nline three;\n//# sourceMappingURL=gen.js.map\n',
    'dist/gen.js.map': JSON.stringify({ version: 3, names: [], ...map }),
  });
  return { root, gen: join(root, 'dist', 'gen.js') };
}

function at(file: string, line: number, column: number | null, enclosingLine: number | null = null, enclosingColumn: number | null = null): Frame {
  return { file, function: 'f', line, column, enclosingLine, enclosingColumn };
}

describe('consistency of a mapped frame', () => {
  // Line 1: col 0 -> a.ts 1:0, col 5 -> a.ts 5:0. Line 2: col 2 -> b.ts 10:0. Line 3: col 4 -> a.ts 20:0 (only).
  const mappings = 'AAAA,KAIA;ECKA;IDUA';
  const sources = ['../src/a.ts', '../src/b.ts'];

  it('maps the enclosing position by greatest lower bound, then the first mapping on its line', () => {
    const { gen, root } = handMade({ sources, mappings });
    const s = createSymbolizer();
    expect(s.symbolize(at(gen, 1, 9, 1, 7), null)).toMatchObject({ file: join(root, 'src/a.ts'), line: 5, enclosingLine: 5, enclosingColumn: 1 });
    // enclosing column 1 on line 3 is before the line's only mapping (col 4): first mapping of the line
    expect(s.symbolize(at(gen, 3, 9, 3, 1), null)).toMatchObject({ line: 20, enclosingLine: 20, enclosingColumn: 1 });
  });

  it('an enclosing position in another source, or after the call, is dropped (null), never mixed', () => {
    const { gen } = handMade({ sources, mappings });
    const s = createSymbolizer();
    // call in a.ts line 5, enclosing maps to b.ts
    expect(s.symbolize(at(gen, 1, 9, 2, 3), null)).toMatchObject({ line: 5, enclosingLine: null, enclosingColumn: null });
    // call in a.ts line 1, enclosing maps to a.ts line 20 (after the call)
    expect(s.symbolize(at(gen, 1, 1, 3, 5), null)).toMatchObject({ line: 1, enclosingLine: null, enclosingColumn: null });
    // enclosing on a line with no mapping at all
    expect(s.symbolize(at(gen, 1, 9, 4, 1), null)).toMatchObject({ line: 5, enclosingLine: null });
  });

  it('an unmapped call position leaves the whole frame unchanged, even when the enclosing one maps', () => {
    const { gen } = handMade({ sources, mappings });
    const frame = at(gen, 2, 1, 1, 1); // line 2 col 1 is before its first mapping
    expect(createSymbolizer().symbolize(frame, null)).toBe(frame);
  });

  it('top-level code starts at 1:1 of its original source', () => {
    const { gen } = handMade({ sources, mappings });
    const frame: Frame = { ...at(gen, 3, 9, 1, 1), function: null, toplevel: true };
    expect(createSymbolizer().symbolize(frame, null)).toMatchObject({ line: 20, enclosingLine: 1, enclosingColumn: 1, toplevel: true, function: null });
  });

  it('a frame parsed from text (no column, no enclosing position) maps by the first mapping of its line', () => {
    const { gen, root } = handMade({ sources, mappings });
    expect(createSymbolizer().symbolize(at(gen, 2, null), null)).toEqual({ ...at(join(root, 'src/b.ts'), 10, null), function: 'f' });
  });

  it('resolves a relative frame path against the program root', () => {
    const { root } = handMade({ sources, mappings });
    expect(createSymbolizer().symbolize(at('dist/gen.js', 1, 1), root)).toMatchObject({ file: join(root, 'src/a.ts'), line: 1 });
  });

  it('does not modify the frame it is given', () => {
    const { gen } = handMade({ sources, mappings });
    const frame = at(gen, 1, 9, 1, 7);
    const copy = structuredClone(frame);
    createSymbolizer().symbolize(frame, null);
    expect(frame).toEqual(copy);
  });
});

describe('sources as the map names them', () => {
  it('traversal yields the absolute path it resolves to; other schemes are kept for the normalizer', () => {
    const { gen } = handMade({ sources: ['../../../../../../../../etc/passwd', 'webpack://app/./src/x.ts'], mappings: 'AAAA,KCAA' });
    const s = createSymbolizer();
    expect(s.symbolize(at(gen, 1, 1), null).file).toBe('/etc/passwd');
    expect(s.symbolize(at(gen, 1, 6), null).file).toBe('webpack://app/./src/x.ts');
  });

  it('index maps (sections) map each section with its offset', () => {
    const { gen, root } = handMade({
      sections: [
        { offset: { line: 0, column: 0 }, map: { version: 3, sources: ['../src/a.ts'], names: [], mappings: 'AAAA' } },
        { offset: { line: 0, column: 5 }, map: { version: 3, sources: ['../src/b.ts'], names: [], mappings: 'AAEA' } },
        { offset: { line: 2, column: 0 }, map: { version: 3, sources: ['../src/c.ts'], names: [], mappings: 'AAIA' } },
      ],
    });
    const s = createSymbolizer();
    expect(s.symbolize(at(gen, 1, 3), null)).toMatchObject({ file: join(root, 'src/a.ts'), line: 1 });
    expect(s.symbolize(at(gen, 1, 8), null)).toMatchObject({ file: join(root, 'src/b.ts'), line: 3 });
    expect(s.symbolize(at(gen, 3, 2), null)).toMatchObject({ file: join(root, 'src/c.ts'), line: 5 });
  });
});

describe('caching and robustness', () => {
  it('reads each generated file map once per Symbolizer', () => {
    const { gen } = handMade({ sources: ['../src/a.ts'], mappings: 'AAAA' });
    const s = createSymbolizer();
    expect(s.symbolize(at(gen, 1, 1), null).line).toBe(1);
    rmSync(`${gen}.map`);
    rmSync(gen);
    expect(s.symbolize(at(gen, 1, 4), null).line).toBe(1); // from the cache
    const frame = at(gen, 1, 1);
    expect(createSymbolizer().symbolize(frame, null)).toBe(frame); // a new Symbolizer reads afresh
  });

  it('never throws, whatever the frame', () => {
    const { gen } = handMade({ sources: ['../src/a.ts'], mappings: 'AAAA,CAAC;AACA' });
    const s = createSymbolizer();
    const num = fc.oneof(fc.integer(), fc.constant(null), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY), fc.double());
    const file = fc.oneof(fc.constant(gen), fc.constant(`file://${gen}`), fc.constant(null), fc.string(), fc.constant('file://%%%'), fc.constant('/'));
    fc.assert(
      fc.property(file, fc.option(fc.string()), num, num, num, num, fc.boolean(), (f, fn, line, column, el, ec, toplevel) => {
        const frame = { file: f, function: fn, line, column, enclosingLine: el, enclosingColumn: ec, toplevel } as Frame;
        const out = s.symbolize(frame, null);
        expect(typeof out).toBe('object');
      }),
      { numRuns: 2000 },
    );
    // Hostile objects too.
    const hostile = new Proxy({} as Frame, {
      get() {
        throw new Error('boom');
      },
    });
    expect(s.symbolize(hostile, null)).toBe(hostile);
  });
});
