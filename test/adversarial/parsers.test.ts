/**
 * Every parser the watchdog runs on input it does not control, under one property: given random,
 * mutated, malformed or hostile input, it returns (never throws), pollutes no prototype, returns
 * values within its documented bounds, and takes bounded time. The inputs: random strings, the
 * real crash-text corpus and real records with random edits, invalid UTF-8, NUL bytes, ESC and
 * line separators, `__proto__`/`constructor` keys, values of every JSON type in every field.
 *
 * Then the whole crash path (`countersFor`: parse, select, symbolize, normalize) on random channel
 * bytes: every counter name it produces is one a store and a terminal can take (crash/ prefix, no
 * control character, at most 4096 bytes and 17 lines plus `truncated`, no absolute path).
 *
 * The huge inputs (10 MB lines, a million frames, deep nesting) run in parsers-limits.test.ts, in
 * a process of their own with a capped heap, where memory can be measured.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Records, decodeCounts, decodeNames } from '../../src/counter/format.js';
import { normalizeProgram, parseProgramDirName, programDirName } from '../../src/counter/encoding.js';
import { validWeekKey } from '../../src/counter/week.js';
import { parseOptions, parseSince } from '../../src/cli/options.js';
import { parseProgramSpec, parseRunArgs } from '../../src/cli/run-args.js';
import { neutralise } from '../../src/cli/terminal.js';
import { countersFor } from '../../src/crash/index.js';
import { selectCrashes } from '../../src/crash/select.js';
import { entryFromNodeCommand, entryFromPythonCommand } from '../../src/crash/identity.js';
import { stackCounterName } from '../../src/stack/name.js';
import { framePath } from '../../src/stack/paths.js';
import { foreignFramePath } from '../../src/stack/foreign-paths.js';
import { parseSourceMap } from '../../src/symbolize/load.js';
import { decodeDataUrl, findSourceMappingURL } from '../../src/symbolize/locate.js';
import { recoverName } from '../../src/symbolize/names.js';
import { resolveSource } from '../../src/symbolize/sources.js';
import type { Frame, ParsedCrash } from '../../src/traceback/frame.js';
import { parseCrashOutput } from '../../src/traceback/index.js';
import { parseRecord } from '../../src/traceback/node-record.js';
import { entryFromCommandLine, parseNodeReport } from '../../src/traceback/node-report.js';
import { parseBun, parseDeno, recogniseBun, recogniseDeno } from '../../src/traceback/deno-bun.js';
import { parseGo, recogniseGo } from '../../src/traceback/go.js';
import { parseNodeStderr, recogniseNodeStderr } from '../../src/traceback/node-stderr.js';
import { parsePython, recognisePython } from '../../src/traceback/python.js';
import { parseRust, recogniseRust } from '../../src/traceback/rust.js';
import { parseV8FrameLine, parseV8Text } from '../../src/traceback/v8.js';
import { v8OwnName } from '../../src/traceback/v8-name.js';
import { allSamples } from '../traceback/corpus/load.js';
import { SOAK_FACTOR } from './helpers.js';

const RUNS = Math.round(300 * SOAK_FACTOR);
/** Each call on inputs of a few KiB: generous for a loaded 2-core machine, far below a pathological pattern. */
const CALL_MS = 500;

// ---------------------------------------------------------------------------------------------
// Inputs

/** Fragments that mean something to some parser, and characters that mean trouble. */
const FRAGMENTS = [
  '\n', '\r\n', '\r', '\t', ' ', '    at ', 'at ', '(', ')', ':', '"', "'", '{', '}', '[', ']', ',', '\\', '/', '//# sourceMappingURL=',
  '{"watchdog":1,', '"frames":', '"__proto__":', '"constructor":', '"prototype":', 'null', 'true', '1e999', '-0', '"\\u0000"',
  'Traceback (most recent call last):', '  File "', '", line ', ', in ', 'goroutine 1 [running]:', 'panic: ', 'fatal error: ',
  "thread 'main' panicked at ", 'stack backtrace:', 'error: Uncaught ', 'Bun v1.1.0', 'Node.js v20.20.2', '"header":', 'FATAL ERROR: ',
  'file:///', 'node:internal/', 'node:fs', 'webpack://', 'data:application/json;base64,', 'eval at ', '<anonymous>', 'new ', 'async ',
  '\u0000', '\u001b[2J', '\u001b]0;x\u0007', '\u2028', '\u2029', '\ud800', '\udfff', '\u0085', '\ufeff', 'é', '😀', '\u202e',
];

/** Any text: random code units, random graphemes, fragments, invalid UTF-8 decoded. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 3000 }),
  fc.string({ unit: 'grapheme', maxLength: 500 }),
  fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 }), fc.nat().map(String)), { maxLength: 300 }).map((a) => a.join('')),
  fc.uint8Array({ maxLength: 4000 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.uint8Array({ maxLength: 4000 }).map((b) => Buffer.from(b).toString('latin1')),
);

/** A text with random edits: insertions of fragments, deletions, duplications, single-unit changes. */
function mutated(seeds: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.nat({ max: 80 }), fc.integer({ min: 0, max: 3 }), fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 5 }), fc.integer({ min: 0, max: 0xffff }));
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 12 })).map(([seed, edits]) => {
    let t = seed;
    for (const [at, len, op, frags, unit] of edits) {
      const i = at % (t.length + 1);
      if (op === 0) t = t.slice(0, i) + frags.join('') + t.slice(i);
      else if (op === 1) t = t.slice(0, i) + t.slice(i + len);
      else if (op === 2) t = t.slice(0, i) + t.slice(i, i + len).repeat(3) + t.slice(i + len);
      else t = t.slice(0, i) + String.fromCharCode(unit) + t.slice(i + 1);
    }
    return t;
  });
}

/** A real record line, as the preload writes it (shape from docs/channel.md). */
const RECORD = JSON.stringify({
  watchdog: 1,
  kind: 'uncaughtException',
  errorClass: 'TypeError',
  frames: [
    { file: '/home/u/tool/src/parse.js', fn: 'inner', line: 3, col: 9, encLine: 2, encCol: 1 },
    { file: 'file:///home/u/tool/src/main.mjs', fn: null, line: 8, col: 1, encLine: 1, encCol: 1, top: true },
    { file: 'node:internal/modules/cjs/loader', fn: 'Module._compile', line: 1521, col: 14, encLine: 1483, encCol: 29 },
    { file: null, fn: 'eval', line: 1, col: 1, encLine: 1, encCol: 1, eval: true },
  ],
  runtime: 'node',
  runtimeVersion: 'v20.20.2',
  entry: '/home/u/tool/src/parse.js',
  pid: 4242,
});

/** Records whose every field may hold any JSON value, with hostile keys mixed in. */
const hostileRecord = fc
  .record(
    {
      kind: fc.jsonValue(),
      errorClass: fc.jsonValue(),
      frames: fc.oneof(fc.jsonValue(), fc.array(fc.dictionary(fc.constantFrom('file', 'fn', 'line', 'col', 'encLine', 'encCol', 'top', 'eval', 'native', '__proto__', 'constructor'), fc.jsonValue()), { maxLength: 80 })),
      stack: fc.oneof(fc.jsonValue(), anyText),
      runtime: fc.jsonValue(),
      runtimeVersion: fc.jsonValue(),
      entry: fc.oneof(fc.jsonValue(), anyText),
      pid: fc.jsonValue(),
      handled: fc.jsonValue(),
    },
    { requiredKeys: [] },
  )
  .chain((r) =>
    fc.constantFrom(
      `{"watchdog":1,${JSON.stringify(r).slice(1)}`,
      `{"watchdog":1,"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},${JSON.stringify(r).slice(1)}`,
      `{"watchdog":1,"frames":[{"__proto__":{"file":"/x","fn":"polluted","line":1}}],${JSON.stringify(r).slice(1)}`,
    ),
  );

const CORPUS = allSamples().map((s) => s.text);

// ---------------------------------------------------------------------------------------------
// The property

afterEach(() => {
  // Nothing any parser did may have reached a prototype.
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Array.prototype)).toEqual([]);
});

function timed<T>(name: string, fn: () => T): T {
  const t = performance.now();
  let out: T;
  try {
    out = fn();
  } catch (e) {
    throw new Error(`${name} threw: ${e instanceof Error ? e.stack : String(e)}`);
  }
  const ms = performance.now() - t;
  if (ms > CALL_MS) throw new Error(`${name} took ${ms.toFixed(0)} ms`);
  return out;
}

/** What every parsed crash must look like, whoever parsed it. */
function checkCrash(crash: ParsedCrash): void {
  expect(['stack', 'counter', 'unparsed']).toContain(crash.type);
  expect(Object.getPrototypeOf(crash)).toBe(Object.prototype);
  if (crash.type === 'stack') {
    expect(crash.frames.length).toBeLessThanOrEqual(256);
    expect(typeof crash.kind).toBe('string');
    expect(crash.kind.length).toBeLessThanOrEqual(1024);
    for (const f of crash.frames) checkFrame(f);
  }
  if (crash.type === 'counter') expect(crash.name).toMatch(/^crash\/[^\n]+$/);
}

function checkFrame(f: Frame): void {
  expect(Object.getPrototypeOf(f)).toBe(Object.prototype);
  for (const key of ['file', 'function'] as const) {
    const v = f[key];
    if (v !== null) {
      expect(typeof v).toBe('string');
      expect(v.length).toBeLessThanOrEqual(4096);
    }
  }
  for (const key of ['line', 'column', 'enclosingLine', 'enclosingColumn'] as const) {
    const v = f[key];
    if (v !== null) expect(Number.isSafeInteger(v) && v >= 0, `${key} = ${v}`).toBe(true);
  }
}

/**
 * A counter name the store and a terminal can take: no line of its own can be forged, and no
 * line starts with an absolute path. (Text that is no runtime's output can still put any text in
 * a line, as a function can be given any name: the promise about paths is for what runtimes
 * print, which the corpus tests and test/e2e/privacy.test.ts check.)
 */
function checkName(name: string): void {
  expect(name).toMatch(/^crash\//);
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(4096);
  const lines = name.split('\n');
  expect(lines.length).toBeLessThanOrEqual(18);
  if (lines.length === 18) expect(lines[17]).toBe('truncated');
  for (const line of lines) {
    expect(line, JSON.stringify(line)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(/^(\/|\\\\)/.test(line), JSON.stringify(line)).toBe(false);
  }
}

const TEXT_PARSERS: [string, (t: string) => ParsedCrash][] = [
  ['parseGo', parseGo],
  ['parsePython', parsePython],
  ['parseRust', parseRust],
  ['parseDeno', parseDeno],
  ['parseBun', parseBun],
  ['parseNodeStderr', parseNodeStderr],
  ['parseNodeReport', parseNodeReport],
];
const RECOGNISERS: [string, (t: string) => boolean][] = [
  ['recogniseGo', recogniseGo],
  ['recognisePython', recognisePython],
  ['recogniseRust', recogniseRust],
  ['recogniseDeno', recogniseDeno],
  ['recogniseBun', recogniseBun],
  ['recogniseNodeStderr', recogniseNodeStderr],
];

/** Runs one input through every text-level parser. */
function everyTextParser(text: string): void {
  for (const crash of timed('parseCrashOutput', () => parseCrashOutput(text))) checkCrash(crash);
  for (const [name, parse] of TEXT_PARSERS) checkCrash(timed(name, () => parse(text)));
  for (const [name, recognise] of RECOGNISERS) expect(typeof timed(name, () => recognise(text))).toBe('boolean');
  const v8 = timed('parseV8Text', () => parseV8Text(text));
  expect(v8.frames.length).toBeLessThanOrEqual(64);
  for (const f of v8.frames) checkFrame(f);
  const record = timed('parseRecord', () => parseRecord(text));
  if (record !== null) checkCrash(record);
  for (const line of text.split('\n', 50)) {
    const f = timed('parseV8FrameLine', () => parseV8FrameLine(line));
    if (f !== null) checkFrame(f);
    const own = timed('v8OwnName', () => v8OwnName(line));
    expect(own === null || typeof own === 'string').toBe(true);
  }
}

describe('every crash-text parser, on any text', () => {
  it(`random text, fragments, invalid UTF-8 (${RUNS} runs)`, () => {
    fc.assert(fc.property(anyText, everyTextParser), { numRuns: RUNS });
  });

  it(`the real corpus (${CORPUS.length} crash texts of 6 runtimes) with random edits (${RUNS} runs)`, () => {
    fc.assert(fc.property(mutated(CORPUS), everyTextParser), { numRuns: RUNS });
  });

  it('the corpus texts concatenated, interleaved with records, NUL-separated', () => {
    const all = CORPUS.join('\n');
    everyTextParser(all);
    everyTextParser(CORPUS.join('\0'));
    everyTextParser(CORPUS.map((t) => `${RECORD}\n${t}`).join('\n'));
  });
});

describe('the record parser, on hostile records', () => {
  it(`any JSON value in any field, __proto__ and constructor keys (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(hostileRecord, (line) => {
        const crash = timed('parseRecord', () => parseRecord(line));
        if (crash !== null) {
          checkCrash(crash);
          for (const f of crash.frames) expect(f.function).not.toBe('polluted');
        }
        everyTextParser(line);
      }),
      { numRuns: RUNS },
    );
  });

  it(`a real record with random edits (${RUNS} runs)`, () => {
    fc.assert(fc.property(mutated([RECORD, `${RECORD}\n${RECORD}`]), everyTextParser), { numRuns: RUNS });
  });
});

describe('the source-map side', () => {
  const MAP = JSON.stringify({ version: 3, file: 'out.js', sources: ['../src/a.ts', 'webpack://app/./src/b.ts'], names: ['run', 'main'], mappings: 'AAAA,SAASA;AACA,IAAIC,GAAG;;AAET', sourceRoot: '' });
  const mapText = fc.oneof(
    anyText,
    mutated([MAP]),
    fc.record({ version: fc.jsonValue(), sources: fc.jsonValue(), names: fc.jsonValue(), mappings: fc.oneof(fc.jsonValue(), fc.stringMatching(/^[A-Za-z0-9+/,;=-]{0,400}$/)), sourceRoot: fc.jsonValue(), sections: fc.jsonValue() }, { requiredKeys: [] }).map((m) => JSON.stringify(m)),
  );

  it(`parseSourceMap and its lookups (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(mapText, fc.array(fc.tuple(fc.integer({ min: -2, max: 50 }), fc.integer({ min: -2, max: 400 })), { maxLength: 20 }), (text, positions) => {
        const map = timed('parseSourceMap', () => parseSourceMap(text, 'file:///app/dist/out.js.map'));
        if (map === null) return;
        for (const [line, column] of positions) {
          const at = timed('lookup', () => map.lookup(line, column));
          if (at !== null) expect(typeof at.source).toBe('string');
          timed('firstOnLine', () => map.firstOnLine(line));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`sourceMappingURL comments, data: URLs, sources and name recovery (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(anyText, anyText, fc.nat({ max: 5000 }), (a, b, column) => {
        timed('findSourceMappingURL', () => findSourceMappingURL(a));
        timed('decodeDataUrl', () => decodeDataUrl(`data:application/json;base64,${a}`, 1 << 20));
        timed('decodeDataUrl', () => decodeDataUrl(`data:${a}`, 1 << 20));
        const resolved = timed('resolveSource', () => resolveSource(a, b, 'file:///app/dist/out.js.map'));
        expect(resolved === null || typeof resolved === 'string').toBe(true);
        timed('resolveSource', () => resolveSource(a, null, a));
        timed('recoverName', () => recoverName(a, column, b, () => b));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the normalizer, on any frame', () => {
  const value = fc.oneof(anyText, fc.constant(null), fc.integer(), fc.double(), fc.boolean());
  const frame = fc.record({
    file: fc.oneof(anyText, fc.constant(null), fc.constantFrom('/home/u/app/src/a.js', 'file:///root/x.mjs', 'C:\\Users\\u\\a.js', '\\\\host\\share\\a.js', 'node:fs', 'node:internal/x', '/app/node_modules/.pnpm/a@1/node_modules/a/i.js', '../../../../etc/passwd')),
    function: fc.oneof(anyText, fc.constant(null)),
    line: value,
    column: value,
    enclosingLine: value,
    enclosingColumn: value,
    toplevel: fc.boolean(),
    eval: fc.boolean(),
    native: fc.boolean(),
  }) as unknown as fc.Arbitrary<Frame>;

  it(`stackCounterName for every runtime's path rules (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 40 }), fc.oneof(fc.constant(null), fc.constantFrom('/home/u/app', '/', 'C:\\app'), anyText), fc.constantFrom('node', 'go', 'python', 'rust', 'deno', 'bun', 'unknown'), (frames, root, runtime) => {
        checkName(timed('stackCounterName', () => stackCounterName(frames, root, runtime)));
        for (const f of frames.slice(0, 5)) {
          if (typeof f.file !== 'string') continue;
          timed('framePath', () => framePath(f.file!, root));
          timed('foreignFramePath', () => foreignFramePath(runtime, f.file!, root));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the whole crash path on random channel bytes', () => {
  const channel = fc.oneof(
    fc.uint8Array({ maxLength: 4000 }).map((b) => Buffer.from(b)),
    fc.oneof(anyText, mutated(CORPUS), mutated([RECORD]), hostileRecord).map((t) => Buffer.from(t)),
    fc.array(fc.oneof(hostileRecord, mutated([RECORD]), mutated(CORPUS)), { maxLength: 6 }).map((a) => Buffer.from(a.join('\n'))),
  );

  it(`countersFor: parse, select, symbolize, normalize; every name storable and private (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(channel, fc.constantFrom(0, 1, 7, null), fc.constantFrom<NodeJS.Signals | null>(null, 'SIGSEGV', 'SIGABRT'), (bytes, exitCode, signal) => {
        const outcome = { command: 'node', args: ['/nonexistent/app/main.js'], pid: 4242, exitCode, signal, channel: { bytes, totalBytes: bytes.length }, stderrTail: null, reportDir: null };
        const counted = timed('countersFor', () => countersFor(outcome, { storeDir: '/nonexistent', program: null }));
        for (const c of counted) {
          checkName(c.name);
          expect(typeof c.program.name).toBe('string');
          expect(typeof c.program.version).toBe('string');
        }
        // Select never makes crashes out of nothing.
        expect(timed('selectCrashes', () => selectCrashes(parseCrashOutput(bytes.toString('utf8')), exitCode)).length).toBeLessThanOrEqual(counted.length + 0 || Infinity);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the store and the command line', () => {
  it(`store decoders on random bytes and on real records with flipped bytes (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const b = Buffer.from(bytes);
        for (const decode of [decodeNames, decodeCounts]) {
          const r = new Records();
          timed('decode', () => decode(b, b.length, r));
          expect(r.n).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`program directory names, week keys (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(anyText, anyText, (name, version) => {
        const parsed = timed('parseProgramDirName', () => parseProgramDirName(name));
        if (parsed !== null) expect(programDirName(parsed)).toBe(name);
        const dir = timed('programDirName', () => programDirName(normalizeProgram({ name, version })));
        expect(dir).toMatch(/^[a-z0-9_.%!@A-F-]+$/);
        expect(Buffer.byteLength(dir)).toBeLessThanOrEqual(255);
        expect(dir.includes('/')).toBe(false);
        timed('validWeekKey', () => validWeekKey(name));
      }),
      { numRuns: RUNS },
    );
  });

  it(`argument parsers: run arguments, options, --since, --program (${RUNS} runs)`, () => {
    const arg = fc.oneof(anyText, fc.constantFrom('--', '-', '--program', '--program=', '--capture-stderr', '--json', '--since', '--help', '-h', '-V', '--x=y'));
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 8 }), anyText, (argv, value) => {
        const run = timed('parseRunArgs', () => parseRunArgs(argv));
        expect(['run', 'help', 'version', 'error']).toContain(run.kind);
        timed('parseProgramSpec', () => parseProgramSpec(value));
        for (const f of [() => parseOptions('counters', argv, { values: ['program', 'since'], flags: ['json'] }), () => parseSince(value)]) {
          try {
            f();
          } catch (e) {
            // A usage error is the one answer to bad arguments: a one-line message.
            expect((e as Error).name === 'Error' || (e as Error).constructor.name === 'UsageError', String(e)).toBe(true);
            expect((e as Error).message).not.toMatch(/\n/);
          }
        }
        timed('entryFromNodeCommand', () => entryFromNodeCommand(value, argv));
        timed('entryFromPythonCommand', () => entryFromPythonCommand(value, argv));
        timed('entryFromCommandLine', () => entryFromCommandLine(argv));
        expect(neutralise(value)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('found by this suite, kept as fixed cases', () => {
  it('a Go path with nothing before its `@` gives a file name, never a line starting with `/`', () => {
    for (const file of ['@\\\u0000', '@v1/home/u/x.go', '/home/u/go/pkg/mod/@v1/x.go']) {
      const name = stackCounterName([{ file, function: 'main.f', line: 1, column: null, enclosingLine: null, enclosingColumn: null }], null, 'go');
      checkName(name);
      expect(name).not.toContain('home/u');
    }
  });
});
