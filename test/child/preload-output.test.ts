/**
 * The preload must not change what a program prints or how it exits, and must send one clean
 * record per crash: run every program of programs.ts with and without `--require preload.cjs`
 * (both with the crash channel on fd 3 and WATCHDOG_CRASH_FD=3), compare the full stdout and
 * stderr bytes and the exit status, then check the records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARKER, PRELOAD, records, runNode, tempDir, type Run } from './helpers.js';
import { PROGRAMS } from './programs.js';

const tmp = tempDir('watchdog-child-');
const results = new Map<string, { bare: Run; preloaded: Run }>();

beforeAll(async () => {
  // Two programs at a time: each pair runs its two variants side by side.
  const queue = [...PROGRAMS];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const dir = join(tmp.dir, p.name);
      mkdirSync(dir, { recursive: true });
      let main = '';
      for (const [name, text] of Object.entries(p.files)) {
        writeFileSync(join(dir, name), text);
        if (main === '') main = name;
      }
      const flags = p.flags ?? [];
      const [bare, preloaded] = await Promise.all([
        runNode([...flags, main], { cwd: dir }),
        runNode(['--require', PRELOAD, ...flags, main], { cwd: dir }),
      ]);
      results.set(p.name, { bare, preloaded });
    }
  };
  await Promise.all([worker(), worker()]);
}, 180_000);

afterAll(() => tmp.remove());

describe.each(PROGRAMS)('$name', (p) => {
  it('prints the same bytes and exits the same way with the preload', () => {
    const r = results.get(p.name);
    expect(r).toBeDefined();
    const { bare, preloaded } = r!;
    expect(bare.code).toBe(p.code);
    expect(preloaded.code).toBe(bare.code);
    expect(preloaded.signal).toBe(bare.signal);
    expect(preloaded.stdout.toString('utf8')).toBe(bare.stdout.toString('utf8'));
    expect(preloaded.stderr.toString('utf8')).toBe(bare.stderr.toString('utf8'));
    expect(preloaded.stdout.equals(bare.stdout)).toBe(true);
    expect(preloaded.stderr.equals(bare.stderr)).toBe(true);
    if (p.stderrHas) expect(bare.stderr.toString()).toContain(p.stderrHas);
    if (p.stdoutHas) expect(bare.stdout.toString()).toContain(p.stdoutHas);
    // Without the preload nothing is written on the channel.
    expect(bare.channel.length).toBe(0);
  });

  it('writes the expected records, and never the message', () => {
    const { preloaded } = results.get(p.name)!;
    expect(preloaded.channel.toString('latin1')).not.toContain(MARKER);
    const recs = records(preloaded.channel);
    expect(recs.map((r) => ({ kind: r.kind, errorClass: r.errorClass, handled: r.handled }))).toEqual(
      p.records.map((e) => ({ kind: e.kind, errorClass: e.errorClass, handled: e.handled })),
    );
    p.records.forEach((e, i) => {
      const rec = recs[i]!;
      expect(rec.runtime).toBe('node');
      expect(rec.runtimeVersion).toBe(process.version);
      expect(typeof rec.pid).toBe('number');
      if (e.frames === 'callsites') {
        expect(rec.frames.length).toBeGreaterThan(0);
        expect(rec.stack).toBeUndefined();
      } else if (e.frames === 'text') {
        expect(rec.frames).toEqual([]);
        expect(typeof rec.stack).toBe('string');
        for (const line of rec.stack!.split('\n')) expect(line).toMatch(/^\s+at /);
      } else if (e.frames === 'none') {
        expect(rec.frames).toEqual([]);
        expect(rec.stack).toBeUndefined();
      }
    });
  });
});

describe('record contents', () => {
  it('gives frames innermost first, with the enclosing function lines', () => {
    const { preloaded } = results.get('cjs-nested')!;
    const [rec] = records(preloaded.channel);
    expect(rec!.entry).toBe(join(tmp.dir, 'cjs-nested', 'cjs-nested.cjs'));
    const [inner, outer, top] = rec!.frames;
    expect(inner).toMatchObject({ fn: 'inner', line: 3, col: 9, encLine: 2, encCol: 1 });
    expect(inner!.file).toBe(join(tmp.dir, 'cjs-nested', 'cjs-nested.cjs'));
    expect(outer).toMatchObject({ fn: 'outer', line: 6, encLine: 5 });
    expect(top).toMatchObject({ fn: null, line: 8, encLine: 1, encCol: 1, top: true });
    expect(inner!.top).toBeUndefined();
  });

  it('gives ES module frames as file URLs, top level included', () => {
    const [rec] = records(results.get('esm-throw')!.preloaded.channel);
    expect(rec!.frames[0]).toMatchObject({ fn: 'boom', line: 2, encLine: 1 });
    expect(rec!.frames[0]!.file).toMatch(/^file:\/\/.*esm-throw\.mjs$/);
    expect(rec!.frames[1]).toMatchObject({ fn: null, line: 4, top: true });
    expect(rec!.entry).toBe(join(tmp.dir, 'esm-throw', 'esm-throw.mjs'));
  });

  it('keeps async frames of an await chain', () => {
    const [rec] = records(results.get('async-chain')!.preloaded.channel);
    expect(rec!.frames.map((f) => f.fn)).toEqual(['a', 'b', 'c']);
    expect(rec!.frames[0]).toMatchObject({ line: 3, encLine: 1 });
  });

  it('names the method, not the receiver', () => {
    const [rec] = records(results.get('class-method')!.preloaded.channel);
    expect(rec!.frames[0]).toMatchObject({ fn: 'parse', line: 3, encLine: 2 });
  });

  it('records generated positions under source maps (the watchdog maps them itself)', () => {
    for (const name of ['source-maps-flag', 'source-maps-enabled-at-run-time']) {
      const [rec] = records(results.get(name)!.preloaded.channel);
      expect(rec!.frames[0]!.fn).toBe('explode');
      expect(rec!.frames[0]!.file).toMatch(/mapped\.cjs$/);
    }
  });

  it('records the frames V8 captured, whatever Error.stackTraceLimit says', () => {
    const deep = (n: number) => records(results.get(`stack-trace-limit-${n}`)!.preloaded.channel)[0]!.frames;
    // r(30) throws from the 31st r: 31 r frames, module code, then Node's 6 loader frames.
    expect(deep(50).filter((f) => f.fn === 'r')).toHaveLength(31);
    expect(deep(50)).toHaveLength(38);
    expect(deep(3)).toHaveLength(3);
    expect(deep(0)).toHaveLength(0);
  });

  it('omits the frames above Error.captureStackTrace’s function', () => {
    const [rec] = records(results.get('capture-stack-trace')!.preloaded.channel);
    expect(rec!.frames[0]).toMatchObject({ fn: 'h', line: 9 });
  });

  it('attributes vm code to its filename', () => {
    const [rec] = records(results.get('vm-new-context')!.preloaded.channel);
    expect(rec!.frames[0]).toMatchObject({ file: 'ctx.js', fn: 'g', line: 2, encLine: 1 });
  });

  it('falls back to the frame lines of the text, without header or message', () => {
    const [rec] = records(results.get('user-formatter-formatted-before')!.preloaded.channel);
    const lines = rec!.stack!.split('\n');
    expect(lines[0]).toMatch(/^ {4}at f \(.*formatted\.cjs:3:\d+\)$/);
    expect(rec!.stack).not.toContain('fake');
  });

  it('takes only the trailing frame lines of a stack text the program replaced', () => {
    const [rec] = records(results.get('stack-replaced')!.preloaded.channel);
    expect(rec!.stack).toBe('    at real (/y.js:2:2)\n    at /z.js:3:3');
  });

  it('cuts long names and drops outer frames to stay under 32 KiB', () => {
    const [rec] = records(results.get('huge-names')!.preloaded.channel);
    expect(rec!.frames.length).toBeGreaterThanOrEqual(16);
    expect(rec!.frames[0]!.fn).toHaveLength(1024);
  });

  it('a record line stays small', () => {
    for (const { preloaded } of results.values()) {
      for (const line of preloaded.channel.toString().split('\n')) expect(Buffer.byteLength(line)).toBeLessThan(32 * 1024);
    }
  });
});
