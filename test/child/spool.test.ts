/**
 * The crash spool, writing side (src/child/spool.ts): what a process without the channel writes,
 * where it refuses to write, and that the preload spools without changing what the program does.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { usableSpool, writeSpool } from '../../src/child/spool.js';
import { baseEnv, MARKER, PRELOAD, records, runNode, tempDir } from './helpers.js';

const tmp = tempDir('watchdog-spool-');
afterAll(() => tmp.remove());

let dirs = 0;
function spool(mode = 0o700): string {
  const dir = join(tmp.dir, `spool-${++dirs}`);
  mkdirSync(dir, { mode });
  chmodSync(dir, mode); // whatever the umask
  return dir;
}

const LINE = '{"watchdog":1,"kind":"uncaughtException","frames":[]}\n';

describe('writeSpool', () => {
  it('writes the line as one fresh file, mode 0600, and leaves nothing else', () => {
    const dir = spool();
    expect(writeSpool(dir, LINE)).toBe(true);
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^record\\.${process.pid}\\.[0-9a-z]+\\.json$`));
    const file = join(dir, names[0]!);
    expect(readFileSync(file, 'utf8')).toBe(LINE);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(lstatSync(file).nlink).toBe(1);
  });

  it('never reuses a name: two records, two files', () => {
    const dir = spool();
    expect(writeSpool(dir, LINE)).toBe(true);
    expect(writeSpool(dir, LINE)).toBe(true);
    expect(new Set(readdirSync(dir)).size).toBe(2);
  });

  it('accepts a directory that only its owner can write (0755 too)', () => {
    expect(usableSpool(spool(0o755))).toBe(true);
  });

  it.each([0o770, 0o777, 0o722, 0o1777])('refuses a directory with mode %s: nothing written', (mode) => {
    const dir = spool(mode);
    expect(writeSpool(dir, LINE)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a symlink to a good directory: nothing written there', () => {
    const target = spool();
    const link = join(tmp.dir, `link-${++dirs}`);
    symlinkSync(target, link);
    expect(writeSpool(link, LINE)).toBe(false);
    expect(readdirSync(target)).toEqual([]);
  });

  it('refuses what is not a directory, a missing path and a relative path', () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'kept');
    expect(writeSpool(file, LINE)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('kept');
    expect(writeSpool(join(tmp.dir, 'missing'), LINE)).toBe(false);
    const dir = spool();
    const rel = relative(process.cwd(), dir);
    expect(lstatSync(rel).isDirectory()).toBe(true);
    expect(writeSpool(rel, LINE)).toBe(false);
    expect(writeSpool('', LINE)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a directory owned by another user', () => {
    if (process.geteuid?.() === 0) {
      const dir = spool();
      chownSync(dir, 65534, 65534);
      expect(writeSpool(dir, LINE)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    } else {
      // Owned by root, 0755: right type and mode, wrong owner.
      expect(lstatSync('/usr').uid).toBe(0);
      expect(usableSpool('/usr')).toBe(false);
    }
  });
});

// A process under the watchdog without the channel: WATCHDOG_CRASH_FD set, the identity pinned by
// an ancestor to a channel this process does not hold.
const descendant = (dir: string, extra: Record<string, string> = {}): Record<string, string> => ({
  NODE_OPTIONS: `--require ${PRELOAD}`,
  WATCHDOG_CRASH_ID: '1:1',
  WATCHDOG_CRASH_SPOOL: dir,
  ...extra,
});

function spooled(dir: string): ReturnType<typeof records> {
  return readdirSync(dir).flatMap((name) => {
    expect(name).toMatch(/^record\.\d+\.[0-9a-z]+\.json$/);
    const text = readFileSync(join(dir, name), 'utf8');
    expect(text).not.toContain(MARKER);
    return records(Buffer.from(text));
  });
}

const crashing = tmp.write(
  'crashing.cjs',
  `function innerMost() {
  throw new TypeError('${MARKER}');
}
function outer() {
  innerMost();
}
outer();
`,
);

describe('the preload without a channel', () => {
  it('spools the record of an uncaught exception, one file, and prints and exits as without it', async () => {
    const dir = spool();
    const plain = await runNode([crashing], { channel: false, crashFd: false });
    const r = await runNode([crashing], { channel: false, crashFd: true, env: descendant(dir) });
    expect(r.stderr.toString()).toBe(plain.stderr.toString());
    expect(r.code).toBe(plain.code);
    const recs = spooled(dir);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ kind: 'uncaughtException', errorClass: 'TypeError', entry: crashing });
    expect(recs[0]!.frames.slice(0, 2)).toMatchObject([
      { fn: 'innerMost', line: 2, encLine: 1 },
      { fn: 'outer', line: 5, encLine: 4 },
    ]);
  });

  it('spools when the ancestor pinned "none", and with a foreign socket on fd 3', async () => {
    const dir = spool();
    await runNode([crashing], { channel: false, crashFd: true, env: descendant(dir, { WATCHDOG_CRASH_ID: 'none' }) });
    const r = await runNode([crashing], { channel: true, crashFd: true, env: descendant(dir) });
    expect(r.channel.length).toBe(0);
    expect(spooled(dir)).toHaveLength(2);
  });

  it('spools unhandled rejections and process.abort()', async () => {
    const dir = spool();
    const rejecting = tmp.write('rejecting.mjs', `async function later() { throw new Error('${MARKER}'); }\nawait later();\n`);
    const aborting = tmp.write('aborting.cjs', `function stop() { process.abort(); }\nstop();\n`);
    await runNode([rejecting], { channel: false, crashFd: true, env: descendant(dir) });
    const aborted = await runNode([aborting], { channel: false, crashFd: true, env: descendant(dir) });
    expect(aborted.signal).toBe('SIGABRT');
    const kinds = spooled(dir).map((r) => r.kind).sort();
    expect(kinds).toEqual(['abort', 'unhandledRejection']);
  });

  it('spools no handled record: a survived error and a failed handler leave nothing', async () => {
    const dir = spool();
    const survives = tmp.write('survives.cjs', `process.on('uncaughtException', () => {});\nsetTimeout(() => { throw new Error('${MARKER}'); });\nsetTimeout(() => console.log('alive'), 20);\n`);
    const handlerFails = tmp.write('handler-fails.cjs', `process.on('uncaughtException', () => { throw new Error('${MARKER} again'); });\nthrow new Error('${MARKER}');\n`);
    const a = await runNode([survives], { channel: false, crashFd: true, env: descendant(dir) });
    expect(a.stdout.toString()).toBe('alive\n');
    const b = await runNode([handlerFails], { channel: false, crashFd: true, env: descendant(dir) });
    expect(b.code).toBe(7);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the process holding the channel writes there, never to the spool', async () => {
    const dir = spool();
    const r = await runNode([crashing], { env: { NODE_OPTIONS: `--require ${PRELOAD}`, WATCHDOG_CRASH_SPOOL: dir } });
    expect(records(r.channel)).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the channel holder that outlived the watchdog (EPIPE) spools the record instead', async () => {
    const dir = spool();
    const prog = tmp.write('outlives.cjs', `function afterWatchdog() {\n  throw new Error('${MARKER}');\n}\nsetTimeout(afterWatchdog, 300);\n`);
    const child = spawn(process.execPath, ['--require', PRELOAD, prog], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...baseEnv(), WATCHDOG_CRASH_FD: '3', WATCHDOG_CRASH_SPOOL: dir },
    });
    // The watchdog's end of the channel goes away, as when the watchdog exits.
    (child.stdio[3] as NodeJS.ReadableStream & { destroy(): void }).destroy();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(code).toBe(1);
    expect(stderr).toContain(`Error: ${MARKER}`);
    const recs = spooled(dir);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.frames[0]).toMatchObject({ fn: 'afterWatchdog', line: 2, encLine: 1 });
  });

  it('writes nothing, and changes nothing, when the spool is refused or not named', async () => {
    const plain = await runNode([crashing], { channel: false, crashFd: false });
    const open = spool(0o777);
    const target = spool();
    const link = join(tmp.dir, `link-${++dirs}`);
    symlinkSync(target, link);
    for (const where of [open, link, 'relative/dir']) {
      const r = await runNode([crashing], { channel: false, crashFd: true, env: descendant(where) });
      expect(r.stderr.toString()).toBe(plain.stderr.toString());
      expect(r.code).toBe(plain.code);
    }
    expect(readdirSync(open)).toEqual([]);
    expect(readdirSync(target)).toEqual([]);
    // Without WATCHDOG_CRASH_SPOOL a process without the channel stays inert: no listener at all.
    const probe = tmp.write('probe.cjs', `console.log(process.listenerCount('uncaughtExceptionMonitor'));\n`);
    const inert = await runNode([probe], { channel: false, crashFd: true, env: { NODE_OPTIONS: `--require ${PRELOAD}`, WATCHDOG_CRASH_ID: '1:1' } });
    expect(inert.stdout.toString()).toBe('0\n');
    const spooling = await runNode([probe], { channel: false, crashFd: true, env: descendant(target) });
    expect(spooling.stdout.toString()).toBe('1\n');
  });
});
