/**
 * Node 20 releases before nodejs/node#50827 have no default Error.prepareStackTrace function, so
 * the stack hook cannot wrap one and formats like Node's defaultPrepareStackTrace itself (and
 * stays away while source maps are on). Simulated here on the current Node: a first preload
 * deletes Error.prepareStackTrace, which sends Node back to its internal formatter, exactly the
 * situation of those releases. Same checks: identical bytes, records as expected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARKER, PRELOAD, records, runNode, tempDir, type Run } from './helpers.js';
import { PROGRAMS, type Program } from './programs.js';

const tmp = tempDir('watchdog-nodefault-');
const NO_DEFAULT = tmp.write('no-default.cjs', 'delete Error.prepareStackTrace;\n');
const results = new Map<string, { bare: Run; preloaded: Run }>();

const stacks: Program = {
  name: 'stacks-printed',
  files: {
    'stacks.cjs': `const fs = require('fs');
try { fs.readFileSync({}); } catch (e) { console.log(e.stack); }
try { JSON.parse('{${MARKER}'); } catch (e) { console.log(e.stack); }
const o = {};
Error.captureStackTrace(o);
console.log(o.stack);
console.log(new AggregateError([], '${MARKER}').stack);
`,
  },
  code: 0,
  records: [],
};

// Cases whose output depends on the formatter; `log-caught` prints typeof Error.prepareStackTrace,
// which the hook necessarily changes from 'undefined' to 'function' on such releases.
const NAMES = [
  'cjs-nested',
  'esm-throw',
  'node-internal-error',
  'system-error',
  'assert',
  'multiline-message',
  'source-maps-flag',
  'source-maps-enabled-at-run-time',
  'stack-trace-limit-3',
  'capture-stack-trace',
  'aggregate-error',
  'vm-new-context',
  'user-formatter-set-later',
];
const CASES = [...PROGRAMS.filter((p) => NAMES.includes(p.name)), stacks];

beforeAll(async () => {
  for (const p of CASES) {
    const dir = join(tmp.dir, p.name);
    mkdirSync(dir);
    for (const [name, text] of Object.entries(p.files)) writeFileSync(join(dir, name), text);
  }
  const queue = [...CASES];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const main = Object.keys(p.files)[0]!;
      const flags = p.flags ?? [];
      const dir = join(tmp.dir, p.name);
      const [bare, preloaded] = await Promise.all([
        runNode(['--require', NO_DEFAULT, ...flags, main], { cwd: dir }),
        runNode(['--require', NO_DEFAULT, '--require', PRELOAD, ...flags, main], { cwd: dir }),
      ]);
      results.set(p.name, { bare, preloaded });
    }
  };
  await Promise.all([worker(), worker()]);
}, 120_000);

afterAll(() => tmp.remove());

describe.each(CASES)('no default formatter: $name', (p) => {
  it('prints the same bytes and exits the same way', () => {
    const { bare, preloaded } = results.get(p.name)!;
    expect(bare.code).toBe(p.code);
    expect(preloaded.code).toBe(bare.code);
    expect(preloaded.stdout.toString()).toBe(bare.stdout.toString());
    expect(preloaded.stderr.toString()).toBe(bare.stderr.toString());
    if (p.stderrHas) expect(bare.stderr.toString()).toContain(p.stderrHas);
  });

  it('writes the expected records', () => {
    const { preloaded } = results.get(p.name)!;
    expect(preloaded.channel.toString()).not.toContain(MARKER);
    const recs = records(preloaded.channel);
    expect(recs.map((r) => [r.kind, r.errorClass])).toEqual(p.records.map((e) => [e.kind, e.errorClass]));
    for (const rec of recs) {
      // With source maps on, the hook stays away: the frames come as text.
      if (p.name.startsWith('source-maps')) {
        expect(rec.frames).toEqual([]);
        expect(rec.stack).toMatch(/^ {4}at explode \(.*mapped\.ts:8:\d+\)/);
      } else {
        expect(rec.frames.length).toBeGreaterThan(0);
      }
    }
  });
});

it('kIsNodeError headers are reproduced (the internal error case proves the symbol was found)', () => {
  expect(results.get('node-internal-error')!.preloaded.stderr.toString()).toContain('TypeError [ERR_INVALID_ARG_TYPE]:');
  expect(results.get('stacks-printed')!.preloaded.stdout.toString()).toContain('TypeError [ERR_INVALID_ARG_TYPE]:');
});

it('the hook is installed, but not under --enable-source-maps, and leaves when source maps are turned on', async () => {
  const prog = tmp.write(
    'hook-state.cjs',
    `const before = typeof Error.prepareStackTrace;
process.setSourceMapsEnabled(true);
console.log(before, typeof Error.prepareStackTrace);
`,
  );
  const plain = await runNode(['--require', NO_DEFAULT, '--require', PRELOAD, prog]);
  expect(plain.stdout.toString()).toBe('function undefined\n');
  const flagged = await runNode(['--require', NO_DEFAULT, '--require', PRELOAD, '--enable-source-maps', prog]);
  expect(flagged.stdout.toString()).toBe('undefined undefined\n');
});
