/**
 * The record builder's pure parts, in process: class names, the text fallback, the size bound.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { captureCallSites, classOf, frameLinesOf, framesOf, MAX_RECORD_BYTES, serialize } from '../../src/child/build-record.js';
import { RECORD_PREFIX, type CrashRecord } from '../../src/traceback/record.js';
import { writeRecord } from '../../src/child/write-record.js';

describe('classOf', () => {
  it('names primitives by typeof, objects by their nearest constructor', () => {
    expect(classOf(null)).toBe('null');
    expect(classOf(undefined)).toBe('undefined');
    expect(classOf(1)).toBe('number');
    expect(classOf('x')).toBe('string');
    expect(classOf(1n)).toBe('bigint');
    expect(classOf(Symbol('s'))).toBe('symbol');
    expect(classOf(true)).toBe('boolean');
    expect(classOf(new TypeError('m'))).toBe('TypeError');
    class ParseError extends Error {}
    expect(classOf(new ParseError('m'))).toBe('ParseError');
    expect(classOf({})).toBe('Object');
    expect(classOf(Object.create(null))).toBe('object');
    expect(classOf(() => 0)).toBe('Function');
  });

  it('gives Node’s internal errors their base class (their constructor is a getter)', () => {
    let err: unknown;
    try {
      readFileSync({} as unknown as string);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(classOf(err)).toBe('TypeError');
  });

  it('never runs a proxy’s traps or a constructor getter', () => {
    const calls: string[] = [];
    const handler: ProxyHandler<object> = {};
    for (const t of ['get', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'has', 'ownKeys'] as const) {
      (handler as Record<string, unknown>)[t] = (...a: unknown[]) => {
        calls.push(t);
        return (Reflect[t] as (...x: unknown[]) => unknown)(...a);
      };
    }
    expect(classOf(new Proxy(new Error('m'), handler))).toBe('object');
    class Sneaky {
      get ['constructor'](): never {
        throw new Error('touched');
      }
    }
    expect(classOf(new Sneaky())).toBe('Object');
    expect(calls).toEqual([]);
  });

  it('cuts long names', () => {
    const C = { ['C'.repeat(5000)]: class {} }['C'.repeat(5000)]!;
    expect(classOf(new C())).toHaveLength(1024);
  });
});

describe('frameLinesOf (the text fallback)', () => {
  const withStack = (message: string, stack: unknown): Error => {
    const e = new Error(message);
    Object.defineProperty(e, 'stack', { value: stack });
    return e;
  };

  it('keeps only the frame lines after the header, even when the message has frame-like lines', () => {
    const msg = 'secret one\n    at fake (/secret.js:1:1)\nsecret three';
    const e = withStack(msg, `Error: ${msg}\n    at f (/a.js:1:2)\n    at /b.js:3:4`);
    expect(frameLinesOf(e)).toBe('    at f (/a.js:1:2)\n    at /b.js:3:4');
  });

  it('recognises the header of Node’s internal errors', () => {
    const e = withStack('secret', 'TypeError [ERR_X]: secret\n    at g (/c.js:5:6)');
    Object.assign(e, { name: 'TypeError', code: 'ERR_X' });
    expect(frameLinesOf(e)).toBe('    at g (/c.js:5:6)');
  });

  it('without a recognisable header, takes only the trailing run of frame lines', () => {
    const e = withStack('changed', 'Whatever: secret\n    at fake (/s.js:1:1)\nsecret again\n    at h (/d.js:7:8)');
    expect(frameLinesOf(e)).toBe('    at h (/d.js:7:8)');
  });

  it('gives nothing for a stack without frames, a non-string stack or a throwing getter', () => {
    expect(frameLinesOf(withStack('secret', 'Error: secret'))).toBeUndefined();
    expect(frameLinesOf(withStack('secret', ['    at x (/x.js:1:1)']))).toBeUndefined();
    const e = new Error('m');
    Object.defineProperty(e, 'stack', {
      get() {
        throw new Error('no');
      },
    });
    expect(frameLinesOf(e)).toBeUndefined();
  });

  it('keeps at most 64 lines of at most 1024 characters', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `    at f${i} (/${'p'.repeat(2000)}.js:1:1)`);
    const out = frameLinesOf(withStack('m', `Error: m\n${lines.join('\n')}`))!.split('\n');
    expect(out).toHaveLength(64);
    expect(out[0]).toHaveLength(1024);
  });
});

describe('serialize', () => {
  const record = (frames: number, name: string): CrashRecord => ({
    watchdog: 1,
    kind: 'uncaughtException',
    errorClass: 'Error',
    frames: Array.from({ length: frames }, (_, i) => ({ file: '/f.js', fn: `${name}${i}`, line: i, col: 1, encLine: 1, encCol: 1 })),
    runtime: 'node',
    runtimeVersion: process.version,
    entry: '/f.js',
    pid: 1,
  });

  it('starts with the record prefix and ends with one newline', () => {
    const line = serialize(record(3, 'f'));
    expect(line.startsWith(RECORD_PREFIX)).toBe(true);
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
  });

  it('drops outer frames until the line fits, keeping the innermost', () => {
    // Control characters expand sixfold in JSON: the worst case for the byte bound.
    const line = serialize(record(64, '\u0001'.repeat(1000)));
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    const parsed = JSON.parse(line) as CrashRecord;
    expect(parsed.frames.length).toBeGreaterThan(0);
    expect(parsed.frames[0]!.line).toBe(0);
  });
});

describe('captureCallSites and framesOf', () => {
  it('gives the caller’s frames, leaves Error.prepareStackTrace and the limit as they were', () => {
    const formatter = Error.prepareStackTrace;
    const limit = Error.stackTraceLimit;
    function below(): ReturnType<typeof framesOf> {
      return framesOf(captureCallSites(below, 64));
    }
    function caller(): ReturnType<typeof framesOf> {
      return below();
    }
    const frames = caller();
    expect(frames[0]!.fn).toBe('caller');
    expect(frames.length).toBeGreaterThan(limit);
    expect(Error.prepareStackTrace).toBe(formatter);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});

describe('writeRecord', () => {
  it('swallows a bad descriptor', () => {
    expect(writeRecord(2 ** 30, 'x\n')).toBe(false);
  });
});
