import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/traceback/node-record.js';
import { CALLSITE_FIELDS, crashWithRecord, runNode, tempDir, writeTree } from './node-run.js';

const frame = (over: Record<string, unknown> = {}) => ({ file: '/app/src/a.js', fn: 'run', line: 12, col: 3, encLine: 10, encCol: 1, ...over });
const record = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ watchdog: 1, kind: 'uncaughtException', errorClass: 'TypeError', frames: [frame()], runtime: 'node', runtimeVersion: 'v20.11.1', entry: '/app/bin/cli.js', pid: 42, ...over });

describe('parseRecord', () => {
  it('reads a valid record into fresh frames', () => {
    const crash = parseRecord(record({ handled: true }));
    expect(crash).toEqual({
      type: 'stack',
      kind: 'uncaughtException',
      errorClass: 'TypeError',
      frames: [{ file: '/app/src/a.js', function: 'run', line: 12, column: 3, enclosingLine: 10, enclosingColumn: 1 }],
      runtime: 'node',
      runtimeVersion: 'v20.11.1',
      entry: '/app/bin/cli.js',
      pid: 42,
      handled: true,
    });
  });

  it('reduces names to the function own name, as for V8 text', () => {
    const names = ['Module._compile', 'exports.run', 'Foo.bar', 'bar', 'get Foo.size', '<anonymous>', null];
    const crash = parseRecord(record({ frames: names.map((fn) => frame({ fn })) }))!;
    expect(crash.frames.map((f) => f.function)).toEqual(['_compile', 'run', 'bar', 'bar', 'get size', null, null]);
  });

  it('marks module code: no function name and an enclosing function at 1:1', () => {
    const crash = parseRecord(
      record({
        frames: [
          frame({ fn: null, encLine: 1, encCol: 1 }),
          frame({ fn: null, encLine: 4, encCol: 2 }),
          frame({ fn: 'main', encLine: 1, encCol: 1 }),
          frame({ fn: null, encLine: 1, encCol: 1, eval: true }),
          frame({ fn: null, encLine: null, encCol: null, top: true }),
          frame({ fn: 'named', top: true }),
        ],
      }),
    )!;
    expect(crash.frames.map((f) => f.toplevel ?? false)).toEqual([true, false, false, false, true, false]);
    expect(crash.frames[3]!.eval).toBe(true);
  });

  it('rejects what is not a record', () => {
    for (const line of ['', 'hello', '{"watchdog":1,', '{"watchdog":1,"kind":[[[', '{"watchdog":2,"kind":"x"}', '[1]', 'null', '{"kind":"x","watchdog":1}']) {
      expect(parseRecord(line)).toBeNull();
    }
    expect(parseRecord('{"watchdog":1,"kind":"x"}')).not.toBeNull();
  });

  it('treats fields of the wrong type as absent', () => {
    const crash = parseRecord(
      JSON.stringify({
        watchdog: 1,
        kind: { toString: 'x' },
        errorClass: 5,
        frames: [null, 1, 'at x', [], { file: 7, fn: ['a'], line: '3', col: -1, encLine: 1.5, encCol: 1e300, eval: 'yes', native: 1 }],
        runtime: 'NODE; rm -rf',
        runtimeVersion: 'v20\n1',
        entry: { path: '/x' },
        pid: -3,
        handled: 'true',
      }),
    )!;
    expect(crash).toEqual({
      type: 'stack',
      kind: 'unknown',
      errorClass: null,
      frames: [{ file: null, function: null, line: null, column: null, enclosingLine: null, enclosingColumn: null }],
      runtime: 'node',
      runtimeVersion: null,
      entry: null,
    });
  });

  it('is not fooled by __proto__ and constructor keys', () => {
    const line = '{"watchdog":1,"kind":"x","__proto__":{"polluted":1,"frames":[{"file":"/evil.js"}]},"constructor":{"prototype":{"polluted":1}},"frames":[{"__proto__":{"fn":"evil"},"file":"/a.js"}]}';
    const crash = parseRecord(line)!;
    expect(crash.frames).toHaveLength(1);
    expect(crash.frames[0]!.function).toBeNull();
    expect(crash.frames[0]!.file).toBe('/a.js');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(crash)).toBe(Object.prototype);
    expect(Object.keys(crash)).not.toContain('polluted');
  });

  it('bounds frames and strings', () => {
    const many = Array.from({ length: 100_000 }, () => frame());
    expect(parseRecord(record({ frames: many }))!.frames).toHaveLength(64);
    const long = 'x'.repeat(5000);
    const crash = parseRecord(record({ frames: [frame({ file: `/${long}`, fn: long })], errorClass: long, entry: `/${long}`, kind: long }))!;
    expect(crash.frames[0]!.file).toBeNull(); // a cut path would name another file
    expect(crash.frames[0]!.function!.length).toBeLessThanOrEqual(1024);
    expect(crash.errorClass!.length).toBeLessThanOrEqual(1024);
    expect(crash.entry).toBeNull();
    expect(crash.kind.length).toBeLessThanOrEqual(64);
  });

  it('survives deep nesting', () => {
    const deep = `{"watchdog":1,"kind":"x","frames":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(parseRecord(deep)?.frames).toEqual([]);
    const deepFrame = `{"watchdog":1,"kind":"x","frames":[{"file":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}]}`;
    expect(parseRecord(deepFrame)?.frames[0]?.file).toBeNull();
  });

  it('parses the `stack` text when the record has no usable frames', () => {
    const stack = 'TypeError: secret message\n    at Foo.bar (/app/src/a.js:3:9)\n    at Object.<anonymous> (/app/src/main.js:1:1)';
    const crash = parseRecord(record({ frames: [], errorClass: null, stack }))!;
    expect(crash.errorClass).toBe('TypeError');
    expect(crash.frames.map((f) => [f.function, f.file, f.line, f.enclosingLine, f.toplevel ?? false])).toEqual([
      ['bar', '/app/src/a.js', 3, null, false],
      [null, '/app/src/main.js', 1, null, true],
    ]);
    expect(JSON.stringify(crash)).not.toContain('secret');
    // Frames win when there are some.
    expect(parseRecord(record({ stack }))!.frames.map((f) => f.function)).toEqual(['run']);
  });

  it('reads what a real CallSite dump gives, CJS module code included', () => {
    const dir = tempDir();
    writeTree(dir, {
      'main.js': "'use strict';\nclass Parser {\n  parse() {\n    throw new SyntaxError('x');\n  }\n}\nnew Parser().parse();\n",
    });
    const { record: line } = crashWithRecord(dir, 'main.js');
    const crash = parseRecord(line)!;
    const file = join(dir, 'main.js');
    expect(crash.entry).toBe(file);
    expect(crash.errorClass).toBe('SyntaxError');
    expect(crash.frames[0]).toMatchObject({ file, function: 'parse', line: 4, enclosingLine: 3 });
    expect(crash.frames[1]).toMatchObject({ file, function: null, toplevel: true, line: 7, enclosingLine: 1 });
    expect(crash.frames[2]!.file).toMatch(/^node:internal\//);
  });

  it('rests on what V8 reports for top-level code (CommonJS, ES module, `node -e`) and callbacks', () => {
    const dir = tempDir();
    const show = 'process.stdout.write(JSON.stringify(new Error().stack[0]) + "\\n");';
    writeTree(dir, {
      'fields.cjs': CALLSITE_FIELDS,
      'top.cjs': `\n${show}\n`,
      'top.mjs': `\n${show}\nawait null;\n${show}\n`,
      'arrow.cjs': `[1].forEach(() => {\n  ${show}\n});\n`,
    });
    const facts = (args: string[]) => runNode(dir, ['-r', './fields.cjs', ...args]).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // CommonJS module code: the module wrapper, unnamed, called on module.exports, starting at 1:1.
    expect(facts(['top.cjs'])).toEqual([{ fn: null, type: 'Object', top: false, encLine: 1, encCol: 1, text: expect.stringMatching(/^Object\.<anonymous> \(/) }]);
    // ES module code, before and after an await: unnamed, no receiver, 1:1.
    for (const f of facts(['top.mjs'])) expect(f).toMatchObject({ fn: null, type: null, top: true, encLine: 1, encCol: 1, text: expect.stringMatching(/^file:\/\//) });
    expect(facts(['-e', show])).toEqual([{ fn: null, type: null, top: true, encLine: 1, encCol: 1, text: expect.stringMatching(/^\[eval\]:1:/) }]);
    // An anonymous callback is "toplevel" to V8 too, but does not start at 1:1.
    expect(facts(['arrow.cjs'])).toEqual([{ fn: null, type: null, top: true, encLine: 1, encCol: 13, text: expect.any(String) }]);
  });
});
