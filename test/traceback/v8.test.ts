import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/traceback/frame.js';
import { parseV8FrameLine, parseV8Stack, parseV8Text } from '../../src/traceback/v8.js';
import { crashText, runNode, tempDir, writeTree } from './node-run.js';

const brief = (frames: Frame[]) => frames.map((f) => [f.function, f.file, f.line]);

describe('parseV8Text on real Node output', () => {
  it('reads an uncaught error: header class, multi-line message skipped, methods, async, Promise.all, new', () => {
    const dir = tempDir();
    writeTree(dir, {
      'main.js': [
        /* 1 */ 'class Foo {',
        /* 2 */ '  constructor() { this.x = explode(); }',
        /* 3 */ '  bar() { return new Foo(); }',
        /* 4 */ '}',
        /* 5 */ "function explode() { const o = { m() { throw new TypeError('boom\\n    at fake (/secret/x.js:1:1)\\nthird'); } }; return o.m(); }",
        /* 6 */ 'async function step() { await null; return new Foo().bar(); }',
        /* 7 */ 'async function outer() { await Promise.all([step()]); }',
        /* 8 */ 'outer();',
      ].join('\n'),
    });
    const text = crashText(dir, 'main.js');
    const file = join(dir, 'main.js');
    const stack = parseV8Text(text);
    expect(stack.errorClass).toBe('TypeError');
    expect(stack.runtimeVersion).toBe(process.version);
    // The message's own `at` line is not a frame: the stack is the last block of `at` lines.
    expect(brief(stack.frames)).toEqual([
      ['m', file, 5],
      ['explode', file, 5],
      ['Foo', file, 2],
      ['step', file, 6],
      ['all', null, null],
      ['outer', file, 7],
    ]);
    for (const f of stack.frames) {
      expect(f.enclosingLine).toBeNull();
      expect(f.toplevel).toBeUndefined();
    }
  });

  it('skips the properties block, [cause] stacks and `... N lines matching` lines', () => {
    const dir = tempDir();
    writeTree(dir, {
      'main.js': [
        "const inner = new Error('inner');",
        "function fail() { const e = new Error('outer', { cause: inner }); e.code = 'E_X'; throw e; }",
        'fail();',
      ].join('\n'),
    });
    const text = crashText(dir, 'main.js');
    expect(text).toContain('[cause]');
    expect(text).toMatch(/lines matching cause stack trace/);
    const frames = parseV8Stack(text);
    const file = join(dir, 'main.js');
    expect(frames[0]).toMatchObject({ function: 'fail', file, line: 2 });
    expect(frames[1]).toMatchObject({ function: null, toplevel: true, file, line: 3 });
    // Only the outer error's frames, the last one (`at node:internal/main/... {`) included.
    expect(frames.filter((f) => f.file === file)).toHaveLength(2);
    expect(frames.at(-1)?.file).toBe('node:internal/main/run_main_module');
    expect(parseV8Text(text).errorClass).toBe('Error');
  });

  it('takes the error that ended the process, not one logged before it, nor aggregated errors', () => {
    const dir = tempDir();
    writeTree(dir, {
      'main.js': [
        "function logged() { const e = new Error('logged'); e.code = 'ENOENT'; console.error(e); }",
        'logged();',
        "function agg() { throw new AggregateError([new Error('a'), new TypeError('b')], 'many'); }",
        'Promise.resolve().then(agg);',
      ].join('\n'),
    });
    const text = crashText(dir, 'main.js');
    expect(text).toContain('[errors]');
    const stack = parseV8Text(text);
    expect(stack.errorClass).toBe('AggregateError');
    expect(stack.frames.map((f) => [f.function, f.line, f.column])).toEqual([
      ['agg', 3, 24],
      ['processTicksAndRejections', expect.any(Number), expect.any(Number)],
    ]);
  });

  it('marks eval frames and never takes the eval origin as their file', () => {
    const dir = tempDir();
    writeTree(dir, {
      'main.js': [
        "function viaEval() { eval(\"(function evaluated() { throw new Error('e'); })()\"); }",
        "function viaFunction() { new Function('a', 'throw new Error(a)')('x'); }",
        'try { viaEval(); } catch (e) { console.log(e.stack); }',
        'console.log("--");',
        'viaFunction();',
      ].join('\n'),
    });
    const run = runNode(dir, ['main.js']);
    const [first, second] = run.stdout.split('--\n');
    const a = parseV8Stack(first!);
    expect(first).toContain('eval at viaEval');
    expect(a[0]).toMatchObject({ function: 'evaluated', file: null, eval: true, line: 1 });
    expect(a[1]).toMatchObject({ function: 'eval', file: null, eval: true });
    expect(a[2]).toMatchObject({ function: 'viaEval', file: join(dir, 'main.js'), line: 1 });
    expect(a[2]!.eval).toBeUndefined();
    const b = parseV8Stack(run.stderr);
    expect(b[0]).toMatchObject({ function: 'eval', file: null, eval: true });
    expect(b[1]).toMatchObject({ function: 'viaFunction', file: join(dir, 'main.js') });
  });

  it('reads file:// URLs of ES modules and marks their top-level code', () => {
    const dir = tempDir();
    writeTree(dir, {
      'lib.mjs': 'export function load() { return check(); }\nfunction check() { throw new RangeError("bad"); }\n',
      'main.mjs': "import { load } from './lib.mjs';\n\nload();\n",
    });
    const text = crashText(dir, 'main.mjs');
    const frames = parseV8Stack(text);
    const lib = pathToFileURL(join(dir, 'lib.mjs')).href;
    const main = pathToFileURL(join(dir, 'main.mjs')).href;
    expect(brief(frames.slice(0, 3))).toEqual([
      ['check', lib, 2],
      ['load', lib, 1],
      [null, main, 3],
    ]);
    expect(frames[2]!.toplevel).toBe(true);
    expect(frames[3]!.file).toMatch(/^node:internal\/modules\/esm\//);
    expect(parseV8Text(text).errorClass).toBe('RangeError');
  });

  it('reads node:fs frames, built-ins without a file, and frames without a function', () => {
    const dir = tempDir();
    writeTree(dir, {
      'main.js': "[1].forEach(() => { require('node:fs').readFileSync('/nonexistent/watchdog-test'); });\n",
    });
    const text = crashText(dir, 'main.js');
    const frames = parseV8Stack(text);
    const file = join(dir, 'main.js');
    expect(frames.slice(0, 5).map((f) => [f.function, f.file])).toEqual([
      ['openSync', 'node:fs'],
      ['readFileSync', 'node:fs'],
      [null, file],
      ['forEach', null],
      [null, file],
    ]);
    expect(frames[0]!.line).toBeGreaterThan(0);
    expect(frames[2]!.toplevel).toBeUndefined();
    expect(frames[4]!.toplevel).toBe(true);
    expect(parseV8Text(text).errorClass).toBe('Error');
  });

  it('reads `node -e` code', () => {
    const run = runNode(tempDir(), ['-e', 'function f() { throw new Error("x"); }\nf();']);
    const frames = parseV8Stack(run.stderr);
    expect(brief(frames.slice(0, 2))).toEqual([
      ['f', '[eval]', 1],
      [null, '[eval]', 2],
    ]);
    expect(frames[1]!.toplevel).toBe(true);
  });
});

describe('parseV8FrameLine', () => {
  const cases: Array<[string, Partial<Frame>]> = [
    ['at Object.m (/a/b.js:2:42)', { function: 'm', file: '/a/b.js', line: 2, column: 42 }],
    ['at async outer (/a/b.js:5:26)', { function: 'outer', file: '/a/b.js', line: 5 }],
    ['at async Foo.bar (file:///a/b.mjs:5:26)', { function: 'bar', file: 'file:///a/b.mjs' }],
    ['at async Promise.allSettled (index 12)', { function: 'allSettled', file: null, line: null }],
    ['at async Promise.any (index 0)', { function: 'any', file: null }],
    ['at new Foo (/a/b.js:2:37)', { function: 'Foo', file: '/a/b.js', line: 2 }],
    ['at new <anonymous> (/a/b.js:2:37)', { function: null, file: '/a/b.js' }],
    ['at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)', { function: 'executeUserEntryPoint', file: 'node:internal/modules/run_main', line: 164 }],
    ['at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)', { function: 'js' }],
    ['at get size [as size] (/a/b.js:9:26)', { function: 'get size' }],
    ['at Object.<anonymous> (/a/b.js:11:12)', { function: null, toplevel: true, line: 11 }],
    ['at async Object.<anonymous> (/a/b.js:11:12)', { function: null, toplevel: undefined }],
    ['at Foo.<anonymous> (/a/b.js:11:12)', { function: null, toplevel: undefined }],
    ['at <anonymous> (/a/b.js:1:2)', { function: null, file: '/a/b.js' }],
    ['at /abs/file.js:1:2', { function: null, file: '/abs/file.js', line: 1, column: 2 }],
    ['at async file:///abs/m.mjs:3:4', { function: null, file: 'file:///abs/m.mjs', line: 3 }],
    ['at node:internal/main/run_main_module:28:49 {', { function: null, file: 'node:internal/main/run_main_module', line: 28, column: 49 }],
    ['at Array.map (<anonymous>)', { function: 'map', file: null, line: null }],
    ['at foo (native)', { function: 'foo', file: null, native: true }],
    ['at C:\\Users\\me\\proj\\x.js:1:2', { function: null, file: 'C:\\Users\\me\\proj\\x.js', line: 1, column: 2 }],
    ['at run (C:\\Users\\me\\proj\\x.js:10:20)', { function: 'run', file: 'C:\\Users\\me\\proj\\x.js', line: 10, column: 20 }],
    ['at run (\\\\server\\share\\x.js:1:2)', { function: 'run', file: '\\\\server\\share\\x.js' }],
    ['at run (file:///C:/Users/me/x.mjs:1:2)', { function: 'run', file: 'file:///C:/Users/me/x.mjs' }],
    ['at f (/dir (copy)/a(b.js:3:4)', { function: 'f', file: '/dir (copy)/a(b.js', line: 3, column: 4 }],
    ['at f (/dir/x:y.js:3:4)', { function: 'f', file: '/dir/x:y.js', line: 3, column: 4 }],
    ['at f (/dir/x.js)', { function: 'f', file: '/dir/x.js', line: null }],
    ['at f (webpack://ns/./src/x.ts:1:2)', { function: 'f', file: 'webpack://ns/./src/x.ts', line: 1 }],
    ['at evalfn (eval at f (/a/b.js:1:15), <anonymous>:1:27)', { function: 'evalfn', file: null, eval: true, line: 1, column: 27 }],
    ['at eval (eval at f (eval at g (/a/b.js:1:2), <anonymous>:1:3), <anonymous>:1:44)', { function: 'eval', file: null, eval: true, line: 1, column: 44 }],
    ['at eval at f (/a/b.js:1:15), <anonymous>:2:3', { function: null, file: null, eval: true, line: 2, column: 3 }],
    ['at named (eval at f (/a/b.js:1:15), gen.js:7:1)', { function: 'named', file: 'gen.js', eval: true, line: 7 }],
    ['at process.processTicksAndRejections (node:internal/process/task_queues:95:5)', { function: 'processTicksAndRejections' }],
  ];
  it.each(cases)('%s', (line, expected) => {
    const frame = parseV8FrameLine(`    ${line}`);
    expect(frame).not.toBeNull();
    for (const [key, value] of Object.entries(expected)) expect(frame![key as keyof Frame], key).toBe(value);
  });

  it('rejects what is not an `at` line', () => {
    for (const line of ['', 'Error: x', 'at', 'at ', '    at ', 'Node.js v20.1.0', '{ code: 1 }']) {
      expect(parseV8FrameLine(line)).toBeNull();
    }
  });
});

describe('parseV8Text on hand-written text', () => {
  it('takes the class of `Name [CODE]: message` headers and the first stack only', () => {
    const text = [
      'node:internal/fs/utils:356',
      '    throw err;',
      '    ^',
      '',
      "TypeError [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string. Received undefined",
      'and a second line of message',
      '    at Object.openSync (node:fs:573:18)',
      '    at run (/app/src/cli.js:10:3) {',
      "  code: 'ERR_INVALID_ARG_TYPE',",
      '  [cause]: Error: inner',
      '      at other (/app/src/other.js:1:1)',
      '}',
      '',
      'Node.js v20.11.1',
    ].join('\n');
    const stack = parseV8Text(text);
    expect(stack.errorClass).toBe('TypeError');
    expect(stack.runtimeVersion).toBe('v20.11.1');
    expect(brief(stack.frames)).toEqual([
      ['openSync', 'node:fs', 573],
      ['run', '/app/src/cli.js', 10],
    ]);
  });

  it('keeps no part of the message', () => {
    const stack = parseV8Text('SecretError: password=hunter2\n    at f (/a.js:1:1)\n');
    expect(JSON.stringify(stack)).not.toContain('hunter2');
    expect(stack.errorClass).toBe('SecretError');
    expect(parseV8Text('custom thing: x\n    at f (/a.js:1:1)').errorClass).toBeNull();
  });

  it('handles CRLF line ends', () => {
    expect(brief(parseV8Stack('Error: x\r\n    at f (/a.js:1:2)\r\n    at g (/a.js:3:4)\r\n'))).toEqual([
      ['f', '/a.js', 1],
      ['g', '/a.js', 3],
    ]);
  });

  it('stays fast on lines built to make patterns backtrack', () => {
    const evil = [
      `    at f (${'(/'.repeat(2000)})`,
      `    at ${' ('.repeat(2000)}x`,
      `    at f (${'('.repeat(4000)})`,
      `    at ${'file'.repeat(1000)}bundle`,
      `    at f (${'a:1'.repeat(1300)})`,
      `    at ${'@'.repeat(4000)}`,
    ];
    const text = `Error: x\n${Array.from({ length: 100 }, (_, i) => evil[i % evil.length]).join('\n')}\n`;
    const t = performance.now();
    parseV8Text(text);
    expect(performance.now() - t).toBeLessThan(1000);
  });
});
