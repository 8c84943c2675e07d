import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterName } from '../../src/stack/index.js';
import { frameLine, noStackName, stackCounterName } from '../../src/stack/name.js';
import type { Frame } from '../../src/traceback/frame.js';

const ROOT = '/home/alice/tool';
const f = (over: Partial<Frame> = {}): Frame => ({ file: `${ROOT}/src/a.js`, function: 'run', line: 12, column: 3, enclosingLine: 10, enclosingColumn: 1, ...over });

describe('frameLine', () => {
  it.each<[string, Partial<Frame>, string | null]>([
    ['offset from the function start', {}, 'src/a.js:run:+2'],
    ['absolute line when the start is unknown', { enclosingLine: null }, 'src/a.js:run:12'],
    ['absolute line when the start is after the line', { enclosingLine: 20 }, 'src/a.js:run:12'],
    ['no line when unknown', { line: null }, 'src/a.js:run'],
    ['anonymous', { function: null }, 'src/a.js:<anonymous>:+2'],
    ['module code', { function: null, toplevel: true, line: 8, enclosingLine: 1 }, 'src/a.js:<module>:+7'],
    ['module code from text', { function: null, toplevel: true, line: 8, enclosingLine: null }, 'src/a.js:<module>:8'],
    ['public built-in: no line', { file: 'node:fs', function: 'readFileSync', line: 452, enclosingLine: 441 }, 'node:fs:readFileSync'],
    ['internal: dropped', { file: 'node:internal/modules/cjs/loader' }, null],
    ['V8 built-in without a script', { file: null, function: 'map', line: null, enclosingLine: null }, '<builtin>:map'],
    ['eval code', { file: null, eval: true, function: 'evaluated', line: 1, enclosingLine: null }, '<eval>:evaluated:1'],
    ['eval code with a sourceURL', { file: '/home/alice/gen/x.js', eval: true, function: 'g', line: 3, enclosingLine: 1 }, 'x.js:g:+2'],
    ['dependency', { file: `${ROOT}/node_modules/.pnpm/yargs@17.0.0/node_modules/yargs/build/lib/command.js`, function: 'runCommand', line: 40, enclosingLine: 9 }, 'yargs/build/lib/command.js:runCommand:+31'],
    ['outside the root', { file: '/opt/other/lib/x.js' }, 'x.js:run:+2'],
  ])('%s', (_name, over, expected) => {
    expect(frameLine(f(over), ROOT)).toBe(expected);
  });

  it('replaces control characters, line and paragraph separators, unpaired surrogates', () => {
    const line = frameLine(f({ function: 'a\nb\rc\u0000d\u007fe\u0085f\u2028g\u2029h\ud800i', file: `${ROOT}/x\ny.js` }), ROOT)!;
    expect(line).toBe('x?y.js:a?b?c?d?e?f?g?h?i:+2');
  });

  it('caps each component', () => {
    const line = frameLine(f({ function: 'n'.repeat(5000), file: `${ROOT}/${'d'.repeat(5000)}.js` }), ROOT)!;
    const [path, fn] = line.split(':');
    expect(path!.length).toBeLessThanOrEqual(256);
    expect(fn!.length).toBe(256);
  });
});

describe('stackCounterName', () => {
  it('is crash/crash then one line per frame, innermost first', () => {
    const frames = [
      f({ function: 'parseExpr', file: `${ROOT}/src/parser.ts`, line: 12, enclosingLine: 10 }),
      f({ file: 'node:internal/process/task_queues' }),
      f({ function: 'parseStatement', file: `${ROOT}/src/parser.ts`, line: 44, enclosingLine: 30 }),
      f({ function: 'runCommand', file: `${ROOT}/node_modules/yargs/build/lib/command.js`, line: 40, enclosingLine: 9 }),
      f({ function: 'main', file: `${ROOT}/src/cli.ts`, line: 8, enclosingLine: 1 }),
    ];
    expect(stackCounterName(frames, ROOT)).toBe(['crash/crash', 'src/parser.ts:parseExpr:+2', 'src/parser.ts:parseStatement:+14', 'yargs/build/lib/command.js:runCommand:+31', 'src/cli.ts:main:+7'].join('\n'));
  });

  it('keeps at most 16 frames, counted after dropped ones', () => {
    const frames = Array.from({ length: 40 }, (_, i) => (i % 2 ? f({ file: 'node:internal/x' }) : f({ function: `f${i}` })));
    const lines = stackCounterName(frames, ROOT).split('\n');
    expect(lines).toHaveLength(17);
    expect(lines[16]).toBe('src/a.js:f30:+2');
  });

  it('is crash/crash alone when no frame is left', () => {
    expect(stackCounterName([], ROOT)).toBe('crash/crash');
    expect(stackCounterName([f({ file: 'node:internal/x' })], ROOT)).toBe('crash/crash');
  });

  it('cuts a name over 4096 bytes at a line boundary and ends it with `truncated`', () => {
    const frames = Array.from({ length: 16 }, (_, i) => f({ function: `${'é'.repeat(200)}${i}`, file: `${ROOT}/${'ü'.repeat(200)}.js` }));
    const name = stackCounterName(frames, ROOT);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(4096);
    const lines = name.split('\n');
    expect(lines.at(-1)).toBe('truncated');
    expect(lines[0]).toBe('crash/crash');
    for (const line of lines.slice(1, -1)) expect(line).toMatch(/^ü+\.js:é+\d+:\+2$/);
  });

  it('no frame can forge a line, and no absolute path shows (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const frame = fc.record({
      file: fc.oneof(text, text.map((s) => `/secret/dir/${s}`), text.map((s) => `${ROOT}/${s}`), fc.constant(null)),
      function: fc.oneof(text, fc.constant(null)),
      line: fc.oneof(fc.nat(), fc.constant(null), fc.constant(-1), fc.constant(Number.NaN)),
      column: fc.constant(null),
      enclosingLine: fc.oneof(fc.nat(), fc.constant(null)),
      enclosingColumn: fc.constant(null),
      eval: fc.boolean(),
      toplevel: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 30 }), (frames) => {
        const name = stackCounterName(frames as Frame[], ROOT);
        const lines = name.split('\n');
        expect(lines[0]).toBe('crash/crash');
        expect(lines.length).toBeLessThanOrEqual(18);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(4096);
        // One line per kept frame: a frame's text never adds a line.
        const kept = frames.filter((fr) => frameLine(fr as Frame, ROOT) !== null).length;
        expect(lines.length).toBe(1 + Math.min(kept, 16));
        expect(name).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
        expect(name).not.toContain('/secret/');
        for (const line of lines) expect(line.startsWith('/')).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('noStackName and counterName', () => {
  it('keeps letters of the kind only', () => {
    expect(noStackName('uncaughtException')).toBe('crash/no-stack:uncaughtException');
    expect(noStackName('a\nb:c/d 1')).toBe('crash/no-stack:abcd');
    expect(noStackName('')).toBe('crash/no-stack:unknown');
    expect(noStackName('é')).toBe('crash/no-stack:unknown');
  });

  it('names every kind of parsed crash', () => {
    expect(counterName({ type: 'unparsed' }, ROOT)).toBe('crash/unparsed');
    expect(counterName({ type: 'counter', name: 'crash/oom', runtime: 'node', entry: null }, ROOT)).toBe('crash/oom');
    const stack = { type: 'stack' as const, kind: 'unhandledRejection', errorClass: null, runtime: 'node', runtimeVersion: null, entry: null };
    expect(counterName({ ...stack, frames: [] }, ROOT)).toBe('crash/no-stack:unhandledRejection');
    expect(counterName({ ...stack, frames: [f()] }, ROOT)).toBe('crash/crash\nsrc/a.js:run:+2');
  });
});
