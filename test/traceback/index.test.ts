import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECOGNISERS, parseCrashOutput } from '../../src/traceback/index.js';
import { crashText, crashWithRecord, runNode, tempDir, writeTree } from './node-run.js';

const record = (pid: number, fn = 'run') =>
  JSON.stringify({ watchdog: 1, kind: 'uncaughtException', errorClass: 'Error', frames: [{ file: '/app/a.js', fn, line: 2, col: 1, encLine: 1, encCol: 1 }], runtime: 'node', runtimeVersion: 'v20.1.0', entry: '/app/a.js', pid });

describe('parseCrashOutput', () => {
  it('yields nothing for empty or blank text', () => {
    expect(parseCrashOutput('')).toEqual([]);
    expect(parseCrashOutput(' \n\r\n\t')).toEqual([]);
  });

  it('splits out every record line', () => {
    const crashes = parseCrashOutput(`${record(1, 'a')}\n${record(2, 'b')}\n`);
    expect(crashes.map((c) => (c.type === 'stack' ? [c.pid, c.frames[0]!.function] : c.type))).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('counts a broken record line as unparsed, and other garbage once more', () => {
    expect(parseCrashOutput('{"watchdog":1,"kind":[[[\n')).toEqual([{ type: 'unparsed' }]);
    const crashes = parseCrashOutput(`${record(3)}\n{"watchdog":1,"kind":[[[\n not json at all \u2028\n`);
    expect(crashes.map((c) => c.type)).toEqual(['stack', 'unparsed', 'unparsed']);
  });

  it('recognises V8 stack text', () => {
    const bare = parseCrashOutput('TypeError: x\n    at f (/app/main.js:1:16)\n    at g (/app/main.js:2:1)\n');
    expect(bare).toEqual([expect.objectContaining({ type: 'stack', kind: 'text', runtime: 'node' })]);
  });

  it("recognises Node's uncaught-error report on stderr", () => {
    const dir = tempDir();
    writeTree(dir, { 'main.js': "function f() { throw new TypeError('x'); }\nf();\n" });
    const crashes = parseCrashOutput(crashText(dir, 'main.js'));
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ type: 'stack', kind: 'exception', errorClass: 'TypeError', runtime: 'node', runtimeVersion: process.version, entry: null });
    if (crashes[0]!.type === 'stack') expect(crashes[0]!.frames[0]).toMatchObject({ function: 'f', file: join(dir, 'main.js'), line: 1 });
  });

  it('reads records and text written together', () => {
    const dir = tempDir();
    writeTree(dir, { 'main.js': "function f() { throw new TypeError('x'); }\nf();\n" });
    const { record: line, text } = crashWithRecord(dir, 'main.js');
    const crashes = parseCrashOutput(`${text}\n${line}\n`);
    expect(crashes.map((c) => (c.type === 'stack' ? c.kind : c.type))).toEqual(['uncaughtException', 'text']);
  });

  it('recognises a Node report', () => {
    const reports = tempDir();
    runNode(tempDir(), ['--report-uncaught-exception', `--report-directory=${reports}`, '-e', 'function g() { throw new Error("x"); }\ng();']);
    const [name] = readdirSync(reports);
    const crashes = parseCrashOutput(readFileSync(join(reports, name!), 'utf8'));
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ type: 'stack', kind: 'uncaughtException' });
    if (crashes[0]!.type === 'stack') expect(crashes[0]!.frames[0]).toMatchObject({ function: 'g', file: '[eval]' });
  });

  it('falls back to unparsed', () => {
    expect(parseCrashOutput('panic: something else\n\ngoroutine 1 [running]:\n')).toEqual([{ type: 'unparsed' }]);
    expect(parseCrashOutput('{"header": 1}')).toEqual([{ type: 'unparsed' }]);
  });

  it('keeps its recognisers a plain ordered list', () => {
    // Formats that contain `at` lines come before bare V8 text, which accepts any.
    expect(RECOGNISERS.map((r) => r.name)).toEqual(['go', 'python', 'rust', 'deno', 'bun', 'node-stderr', 'v8-text', 'node-report']);
  });
});

describe('parseCrashOutput never throws and stays fast', () => {
  const check = (text: string) => {
    const out = parseCrashOutput(text);
    expect(Array.isArray(out)).toBe(true);
  };

  it('on random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), check), { numRuns: 500 });
  });

  it('on random lines shaped like crash output', () => {
    const piece = fc.oneof(
      fc.constantFrom('{"watchdog":1,', '    at ', 'at ', 'async ', 'new ', ' (', ')', ':', '1', '\n', 'eval at ', ', ', '<anonymous>', 'file:///', 'node:', ' {', '}', 'Node.js v', '[as x]', 'Error: ', '"header"', '{', '\u0000', '\u2028'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 200 }), (parts) => check(parts.join(''))), { numRuns: 500 });
  });

  it('on invalid UTF-8 decoded, and NUL bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => check(Buffer.from(bytes).toString('utf8'))), { numRuns: 300 });
    check('\0'.repeat(100_000));
    check(`{"watchdog":1,"kind":"\0"}\n    at \0 (\0:1:1)\n`);
  });

  it('on a 10 MB line', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    for (const text of [big, `    at ${big}`, `    at f (${'('.repeat(10 * 1024 * 1024)})`, `{"watchdog":1,"kind":"${big}"}`, `{"header":{"event":"${big}"}}`, `Error: ${big}\n    at f (/a.js:1:1)`]) {
      const t = performance.now();
      check(text);
      expect(performance.now() - t).toBeLessThan(3000);
    }
  }, 60_000);

  it('on many lines made to make patterns backtrack', () => {
    const lines = [`    at f (${'(/'.repeat(2000)})`, `    at ${' ('.repeat(2000)}x)`, `    at ${'a:1'.repeat(1300)}`, `    at f (${'a'.repeat(4000)}:1:1)`];
    const text = Array.from({ length: 20_000 }, (_, i) => lines[i % lines.length]).join('\n');
    const t = performance.now();
    check(text);
    expect(performance.now() - t).toBeLessThan(3000);
  }, 60_000);

  it('on deeply nested JSON', () => {
    check(`{"watchdog":1,"kind":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`);
    check(`{"header":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}`);
    check('['.repeat(1_000_000));
  }, 60_000);
});
