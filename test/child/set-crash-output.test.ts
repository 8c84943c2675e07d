/**
 * setCrashOutput, the library API (dist/index.js, dist/index.cjs), alone and next to the preload.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, INDEX_CJS, INDEX_ESM, MARKER, PRELOAD, records, runNode, tempDir } from './helpers.js';

const tmp = tempDir('watchdog-api-');
afterAll(() => tmp.remove());

describe('setCrashOutput', () => {
  it('ESM: writes one record to the descriptor it was given', async () => {
    const out = join(tmp.dir, 'esm.out');
    const prog = tmp.write(
      'esm.mjs',
      `import { openSync } from 'node:fs';
import { setCrashOutput } from ${JSON.stringify(INDEX_ESM)};
const fd = openSync(${JSON.stringify(out)}, 'w');
console.log(setCrashOutput(fd), process.listenerCount('uncaughtExceptionMonitor'));
function fail() {
  throw new Error('${MARKER}');
}
fail();
`,
    );
    const r = await runNode([prog], { channel: false });
    expect(r.stdout.toString()).toBe('true 1\n');
    expect(r.code).toBe(1);
    const bytes = readFileSync(out);
    expect(bytes.toString()).not.toContain(MARKER);
    const recs = records(bytes);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ kind: 'unhandledRejection', errorClass: 'Error', entry: prog });
    expect(recs[0]!.frames[0]).toMatchObject({ fn: 'fail', line: 6, encLine: 5 });
  });

  it('refuses what is not an open descriptor', async () => {
    const prog = tmp.write(
      'invalid.cjs',
      `const { setCrashOutput } = require(${JSON.stringify(INDEX_CJS)});
console.log([-1, 1.5, 99999, NaN, '3', undefined, 2 ** 40].map((v) => setCrashOutput(v)).join(' '));
console.log(process.listenerCount('uncaughtExceptionMonitor'));
`,
    );
    const r = await runNode([prog], { channel: false });
    expect(r.stdout.toString()).toBe('false false false false false false false\n0\n');
  });

  it('next to the preload: one set of listeners, the program’s descriptor wins', async () => {
    const out = join(tmp.dir, 'both.out');
    const prog = tmp.write(
      'both.cjs',
      `const fs = require('fs');
const { setCrashOutput } = require(${JSON.stringify(INDEX_CJS)});
console.log(setCrashOutput(fs.openSync(${JSON.stringify(out)}, 'w')), process.listenerCount('uncaughtExceptionMonitor'));
throw new Error('${MARKER}');
`,
    );
    const r = await runNode(['--require', PRELOAD, prog]);
    expect(r.stdout.toString()).toBe('true 1\n');
    expect(r.channel.length).toBe(0);
    expect(records(readFileSync(out))).toHaveLength(1);
  });

  it('null turns it off and puts back what it changed', async () => {
    const prog = tmp.write(
      'off.cjs',
      `const { setCrashOutput } = require(${JSON.stringify(INDEX_CJS)});
const abort = process.abort;
const before = [String(Error.prepareStackTrace), String(process.abort)];
console.log(setCrashOutput(null), process.listenerCount('uncaughtExceptionMonitor'));
console.log(String(Error.prepareStackTrace) !== before[0], String(process.abort) !== before[1]);
console.log(/internalPrepareStackTrace/.test(String(Error.prepareStackTrace)), process.abort.toString().includes('native code'));
throw new Error('${MARKER}');
`,
    );
    const r = await runNode(['--require', PRELOAD, prog]);
    expect(r.stdout.toString()).toBe('true 0\ntrue true\ntrue true\n');
    expect(r.channel.length).toBe(0);
    expect(r.code).toBe(1);
  });

  it('records process.abort() too', async () => {
    const out = join(tmp.dir, 'abort.out');
    const prog = tmp.write(
      'api-abort.cjs',
      `const fs = require('fs');
const { setCrashOutput } = require(${JSON.stringify(INDEX_CJS)});
setCrashOutput(fs.openSync(${JSON.stringify(out)}, 'w'));
function stop() {
  process.abort();
}
stop();
`,
    );
    const r = await runNode([prog], { channel: false });
    expect(r.signal).toBe('SIGABRT');
    const [rec] = records(readFileSync(out));
    expect(rec).toMatchObject({ kind: 'abort' });
    expect(rec!.frames[0]).toMatchObject({ fn: 'stop', line: 5, encLine: 4 });
  });

  it('does not take effect in a worker thread', async () => {
    const prog = tmp.write(
      'in-worker.cjs',
      `const { Worker } = require('worker_threads');
const w = new Worker(${JSON.stringify(`const { setCrashOutput } = require(${JSON.stringify(INDEX_CJS)});\nrequire('worker_threads').parentPort.postMessage(setCrashOutput(1));`)}, { eval: true });
w.on('message', (m) => console.log(m));
`,
    );
    const r = await runNode([prog], { channel: false });
    expect(r.stdout.toString()).toBe('false\n');
  });

  it('survives a channel whose reader is gone (EPIPE is swallowed)', async () => {
    const prog = tmp.write('epipe.cjs', `setTimeout(() => {\n  throw new Error('${MARKER}');\n}, 300);\n`);
    const child = spawn(process.execPath, ['--require', PRELOAD, prog], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...baseEnv(), WATCHDOG_CRASH_FD: '3' },
    });
    (child.stdio[3] as NodeJS.ReadableStream & { destroy(): void }).destroy();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(code).toBe(1);
    expect(stderr).toContain(`Error: ${MARKER}`);
    expect(stderr).not.toContain('EPIPE');
  });
});
