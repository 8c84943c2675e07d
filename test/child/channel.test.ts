/**
 * The identity rule (src/child/channel.ts): only the watchdog's channel is ever written, never a
 * descendant's own fd 3; and without WATCHDOG_CRASH_FD the preload does nothing at all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MARKER, PRELOAD, records, runNode, tempDir } from './helpers.js';

const tmp = tempDir('watchdog-channel-');
afterAll(() => tmp.remove());

const grandchild = tmp.write(
  'grandchild.cjs',
  `function crashInGrandchild() {
  throw new Error('${MARKER} grandchild');
}
crashInGrandchild();
`,
);

// The child spawns the grandchild with its fd 3 set up in one of several ways, and reports.
const child = tmp.write(
  'child.cjs',
  `const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const g = ${JSON.stringify(grandchild)};
const out = { id: process.env.WATCHDOG_CRASH_ID };
const run = (fd3) => spawnSync(process.execPath, [g], { stdio: ['ignore', 'ignore', 'pipe', fd3] });
for (const mode of process.argv.slice(2)) {
  if (mode === 'file') {
    const f = path.join(__dirname, 'fd3-file-' + process.pid + '.txt');
    const fd = fs.openSync(f, 'w');
    const r = run(fd);
    out.file = { status: r.status, size: fs.statSync(f).size };
  } else if (mode === 'pipe') {
    const r = run('pipe');
    out.pipe = { status: r.status, bytes: r.output[3].length };
  } else if (mode === 'inherit') {
    const r = run(3);
    out.inherit = { status: r.status };
  } else if (mode === 'none') {
    // Node passes only fds 0-2: the grandchild's fd 3 is whatever it opens itself.
    const r = spawnSync(process.execPath, [g], { stdio: ['ignore', 'ignore', 'pipe'] });
    out.none = { status: r.status };
  }
}
console.log(JSON.stringify(out));
`,
);

const nodeOptions = { NODE_OPTIONS: `--require ${PRELOAD}` };

describe('identity of the channel', () => {
  it('the first process pins the channel it was given as dev:ino', async () => {
    const r = await runNode([child], { env: nodeOptions });
    const out = JSON.parse(r.stdout.toString());
    expect(out.id).toMatch(/^\d+:\d+$/);
    expect(r.code).toBe(0);
    expect(r.channel.length).toBe(0);
  });

  it('a grandchild whose fd 3 is a regular file never writes to it', async () => {
    const r = await runNode([child, 'file'], { env: nodeOptions });
    const out = JSON.parse(r.stdout.toString());
    expect(out.file).toEqual({ status: 1, size: 0 });
    expect(r.channel.length).toBe(0);
  });

  it('a grandchild whose fd 3 is a fresh pipe (a socket too) never writes to it', async () => {
    const r = await runNode([child, 'pipe'], { env: nodeOptions });
    const out = JSON.parse(r.stdout.toString());
    expect(out.pipe).toEqual({ status: 1, bytes: 0 });
    expect(r.channel.length).toBe(0);
  });

  it('a grandchild with no fd 3 of ours (Node passes only 0-2) stays inert', async () => {
    const r = await runNode([child, 'none'], { env: nodeOptions });
    expect(JSON.parse(r.stdout.toString()).none).toEqual({ status: 1 });
    expect(r.channel.length).toBe(0);
  });

  it('a grandchild that inherits the real channel writes its record there', async () => {
    const r = await runNode([child, 'file', 'pipe', 'inherit'], { env: nodeOptions });
    const out = JSON.parse(r.stdout.toString());
    expect(out.inherit).toEqual({ status: 1 });
    expect(out.file.size).toBe(0);
    expect(out.pipe.bytes).toBe(0);
    expect(r.channel.toString()).not.toContain(MARKER);
    const recs = records(r.channel);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.entry).toBe(grandchild);
    expect(recs[0]!.frames[0]).toMatchObject({ fn: 'crashInGrandchild', line: 2, encLine: 1 });
  });

  it('a first process whose fd 3 is a regular file stays inert and pins "none"', async () => {
    const f = join(tmp.dir, 'first-fd3.txt');
    const fd = openSync(f, 'w');
    const prog = tmp.write(
      'first.cjs',
      `console.log(process.env.WATCHDOG_CRASH_ID, process.listenerCount('uncaughtExceptionMonitor'));\nthrow new Error('${MARKER}');\n`,
    );
    try {
      const r = await runNode(['--require', PRELOAD, prog], { fd3: fd });
      expect(r.stdout.toString()).toBe('none 0\n');
      expect(r.code).toBe(1);
    } finally {
      closeSync(fd);
    }
    expect(statSync(f).size).toBe(0);
  });

  it('a process whose pinned id does not match its fd 3 stays inert', async () => {
    const prog = tmp.write('mismatch.cjs', `throw new Error('${MARKER}');\n`);
    const r = await runNode(['--require', PRELOAD, prog], { env: { WATCHDOG_CRASH_ID: '1:2' } });
    expect(r.code).toBe(1);
    expect(r.channel.length).toBe(0);
  });

  it('descriptors 0-2 and malformed values are never taken', async () => {
    const prog = tmp.write('stdio.cjs', `console.log(process.listenerCount('uncaughtExceptionMonitor'));\n`);
    for (const value of ['1', '2', '0', '-3', '3x', '', ' 3']) {
      const r = await runNode(['--require', PRELOAD, prog], { env: { WATCHDOG_CRASH_FD: value } });
      expect(r.stdout.toString(), `WATCHDOG_CRASH_FD=${JSON.stringify(value)}: ${r.stderr.toString()}`).toBe('0\n');
    }
  });
});

describe('without WATCHDOG_CRASH_FD', () => {
  const state = tmp.write(
    'state.cjs',
    `console.log(JSON.stringify({
  monitors: process.listenerCount('uncaughtExceptionMonitor'),
  handlers: process.listenerCount('uncaughtException'),
  prepareName: Error.prepareStackTrace.name,
  prepareLength: Error.prepareStackTrace.length,
  limit: Error.stackTraceLimit,
  abortName: process.abort.name,
  abortLength: process.abort.length,
  id: process.env.WATCHDOG_CRASH_ID,
}));
console.log(String(Error.prepareStackTrace));
console.log(String(process.abort));
console.log(String(process.setSourceMapsEnabled));
throw new Error('${MARKER}');
`,
  );

  it('the preload does nothing: same output, no listener, nothing touched', async () => {
    const [bare, preloaded] = await Promise.all([
      runNode([state], { crashFd: false }),
      runNode(['--require', PRELOAD, state], { crashFd: false }),
    ]);
    expect(preloaded.stdout.toString()).toBe(bare.stdout.toString());
    expect(preloaded.stderr.toString()).toBe(bare.stderr.toString());
    expect(preloaded.code).toBe(1);
    expect(JSON.parse(preloaded.stdout.toString().split('\n')[0]!)).toMatchObject({ monitors: 0, handlers: 0 });
    expect(preloaded.channel.length).toBe(0);
  });

  it('with it, the visible changes are the monitor listener and the wrapped functions', async () => {
    const r = await runNode(['--require', PRELOAD, state]);
    const seen = JSON.parse(r.stdout.toString().split('\n')[0]!);
    expect(seen).toMatchObject({
      monitors: 1,
      handlers: 0,
      prepareName: 'ErrorPrepareStackTrace',
      prepareLength: 2,
      limit: 10,
      abortName: 'abort',
      abortLength: 0,
    });
    expect(seen.id).toMatch(/^\d+:\d+$/);
    expect(records(r.channel)).toHaveLength(1);
  });
});

describe('regular file contents are never touched', () => {
  it('the regular file given as fd 3 keeps its bytes', async () => {
    const f = tmp.write('keep.txt', 'original contents\n');
    const fd = openSync(f, 'a');
    const prog = tmp.write('keep.cjs', `throw new Error('${MARKER}');\n`);
    try {
      await runNode(['--require', PRELOAD, prog], { fd3: fd });
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(f, 'utf8')).toBe('original contents\n');
  });
});
