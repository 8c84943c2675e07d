/**
 * The preload's two bundles: preload.cjs installs at start-up, preload-crash.cjs (crash-time.ts)
 * builds and writes the record and is loaded only when a crash happens. What must hold:
 * nothing of the second bundle before a crash; a record through it whatever the state of the
 * stack at the crash (a stack overflow, an abort deep in a recursion); no harm when it is missing;
 * and the library bundle needs none of it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_CJS, PRELOAD, records, runNode, tempDir } from './helpers.js';

const tmp = tempDir('watchdog-crash-bundle-');
afterAll(() => tmp.remove());

const loaded = `Object.keys(require.cache).filter((k) => k.endsWith('preload-crash.cjs')).length`;

describe('the crash-time bundle', () => {
  it('is not loaded by a process that does not crash, and is by the first crash', async () => {
    const prog = tmp.write(
      'handled.cjs',
      `console.log('before', ${loaded});
process.on('uncaughtException', () => console.log('after', ${loaded}));
function fail() {
  throw new Error('handled');
}
setTimeout(fail, 0);
`,
    );
    const r = await runNode(['--require', PRELOAD, prog]);
    expect(r.stdout.toString()).toBe('before 0\nafter 1\n');
    const recs = records(r.channel);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ kind: 'uncaughtException', errorClass: 'Error', handled: true });
    expect(recs[0]!.frames[0]).toMatchObject({ fn: 'fail', line: 4 });
  });

  it('records a stack overflow: the monitor runs once the stack has unwound', async () => {
    const prog = tmp.write('overflow.cjs', `function r(n) {\n  return r(n + 1) + 1;\n}\nr(0);\n`);
    const [bare, preloaded] = await Promise.all([runNode([prog]), runNode(['--require', PRELOAD, prog])]);
    expect(preloaded.stderr.toString()).toContain('Maximum call stack size exceeded');
    expect(preloaded.stderr.equals(bare.stderr)).toBe(true);
    expect(preloaded.code).toBe(bare.code);
    const recs = records(preloaded.channel);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ kind: 'uncaughtException', errorClass: 'RangeError' });
    expect(recs[0]!.frames.length).toBeGreaterThan(0);
    expect(recs[0]!.frames[0]).toMatchObject({ fn: 'r', line: 2 });
  });

  it('records an abort called deep in a recursion (loaded there, on that stack)', async () => {
    // 2,000 frames short of the limit; the bundle's loading is then on top of those frames.
    const prog = tmp.write(
      'deep-abort.cjs',
      `let max = 0;
function probe(n) { max = n; probe(n + 1); }
try { probe(0); } catch {}
const target = max - 2000;
function down(n) {
  if (n >= target) process.abort();
  else down(n + 1);
}
down(0);
`,
    );
    const r = await runNode(['--require', PRELOAD, prog]);
    expect(r.signal).toBe('SIGABRT');
    const recs = records(r.channel);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ kind: 'abort', errorClass: null });
    expect(recs[0]!.frames).toHaveLength(64);
    expect(recs[0]!.frames[0]).toMatchObject({ fn: 'down', line: 6 });
  });

  it('when missing, the crash goes on exactly as without the preload, with no record', async () => {
    const dir = join(tmp.dir, 'alone');
    mkdirSync(dir);
    const alone = join(dir, 'preload.cjs');
    copyFileSync(PRELOAD, alone);
    const prog = tmp.write('plain-crash.cjs', `function fail() {\n  throw new TypeError('x');\n}\nfail();\n`);
    const abort = tmp.write('plain-abort.cjs', `process.abort();\n`);
    const [bare, preloaded, aborted] = await Promise.all([
      runNode([prog]),
      runNode(['--require', alone, prog]),
      runNode(['--require', alone, abort]),
    ]);
    expect(preloaded.code).toBe(bare.code);
    expect(preloaded.stderr.equals(bare.stderr)).toBe(true);
    expect(preloaded.channel.length).toBe(0);
    expect(aborted.signal).toBe('SIGABRT');
    expect(aborted.channel.length).toBe(0);
  });
});

describe('the library bundle', () => {
  it('carries the crash-time code itself: it works alone in a directory', async () => {
    const dir = join(tmp.dir, 'lib');
    mkdirSync(dir);
    const index = join(dir, 'index.cjs');
    copyFileSync(INDEX_CJS, index);
    expect(readFileSync(index, 'utf8')).not.toContain('preload-crash');
    const out = join(tmp.dir, 'lib.out');
    const prog = tmp.write(
      'lib.cjs',
      `const { setCrashOutput } = require(${JSON.stringify(index)});
setCrashOutput(require('fs').openSync(${JSON.stringify(out)}, 'w'));
function fail() {
  throw new Error('x');
}
fail();
`,
    );
    const r = await runNode([prog], { channel: false });
    expect(r.code).toBe(1);
    const recs = records(readFileSync(out));
    expect(recs).toHaveLength(1);
    expect(recs[0]!.frames[0]).toMatchObject({ fn: 'fail', line: 4 });
  });
});
