/**
 * The two ways of starting the child (src/run/launch-libuv.ts, src/run/launch-child-process.ts)
 * must be one behaviour: the same status, the same signal, the same channel bytes, the same errno
 * for a command that cannot start. Each case runs both ways and compares.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelReader } from '../../src/run/channel.js';
import type { LaunchedChild, LaunchRequest } from '../../src/run/launch.js';
import { launchWithChildProcess } from '../../src/run/launch-child-process.js';
import { launchWithHandles, startDetached } from '../../src/run/launch-libuv.js';

const dir = mkdtempSync(join(tmpdir(), 'watchdog-launch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const notExecutable = join(dir, 'not-executable');
writeFileSync(notExecutable, '#!/bin/sh\n');
chmodSync(notExecutable, 0o644);

type Way = (request: LaunchRequest) => LaunchedChild | null;

interface Seen {
  exitCode?: number | null;
  signal?: string | null;
  channel?: string;
  error?: string;
}

/** Runs `file args` one way; what it left. */
function run(way: Way, file: string, args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): Promise<Seen> {
  return new Promise((resolve) => {
    let reader: ChannelReader | null = null;
    let child: LaunchedChild | null = null;
    try {
      child = way({
        file,
        args,
        env,
        captureStderr: false,
        onExit: (exitCode, signal) => {
          expect(child!.pid).toBeGreaterThan(0);
          expect(child!.exited).toBe(true);
          resolve({ exitCode, signal, channel: reader?.finish().bytes.toString('utf8') ?? '' });
        },
        onError: (error) => resolve({ error: error.code ?? 'no code' }),
      });
      if (child === null) throw new Error('this way is not available');
      expect(child.exited).toBe(false);
      reader = child.channel ? new ChannelReader(child.channel) : null;
    } catch (error) {
      resolve({ error: (error as NodeJS.ErrnoException).code ?? String(error) });
    }
  });
}

const cases: [string, string, string[]][] = [
  ['exit status', 'sh', ['-c', 'exit 3']],
  ['status 0 with output on the channel', 'sh', ['-c', 'printf "crash text\\n" >&3']],
  ['a large write on the channel, then a status', 'sh', ['-c', 'head -c 300000 /dev/zero | tr "\\0" x >&3; exit 2']],
  ['death by a signal', 'sh', ['-c', 'kill -TERM $$']],
  ['death by SIGSEGV', 'sh', ['-c', 'kill -SEGV $$']],
  ['the channel is fd 3 and a socket', 'sh', ['-c', '[ -S /proc/self/fd/3 ] && echo socket >&3']],
  ['arguments arrive untouched', 'sh', ['-c', 'printf "%s|" "$0" "$@" >&3', 'zero', 'a b', '$HOME', '', '"q"']],
  ['no such command', 'no-such-command-for-launch', []],
  ['no such path', join(dir, 'missing'), []],
  ['not executable', notExecutable, []],
  ['a directory', dir, []],
];

// The handles are used on the Node majors they were checked on (launch-libuv.ts); elsewhere the
// watchdog takes child_process, and there is nothing to compare.
const checkedMajor = process.versions.node.split('.')[0] === '20';

describe.runIf(checkedMajor)('launching the child: libuv handles and node:child_process agree', () => {
  it.each(cases)('%s', async (_, file, args) => {
    const viaHandles = await run(launchWithHandles, file, args);
    const viaChildProcess = await run(launchWithChildProcess, file, args);
    expect(viaHandles).toEqual(viaChildProcess);
  });

  it('the environment is the one given, not ours', async () => {
    const env = { PATH: process.env.PATH, ONLY_THIS: 'yes' };
    const seen = await run(launchWithHandles, 'sh', ['-c', 'env >&3'], env);
    expect(seen.channel!.split('\n').filter((l) => l.startsWith('ONLY_THIS=') || l.startsWith('HOME='))).toEqual(['ONLY_THIS=yes']);
    expect(seen).toMatchObject({ exitCode: 0, signal: null });
  });

  it('the results are what a shell sees', async () => {
    expect(await run(launchWithHandles, 'sh', ['-c', 'exit 3'])).toEqual({ exitCode: 3, signal: null, channel: '' });
    expect(await run(launchWithHandles, 'sh', ['-c', 'kill -TERM $$'])).toEqual({ exitCode: null, signal: 'SIGTERM', channel: '' });
    expect((await run(launchWithHandles, 'sh', ['-c', 'head -c 300000 /dev/zero >&3'])).channel).toHaveLength(300_000);
    expect(await run(launchWithHandles, 'no-such-command-for-launch', [])).toEqual({ error: 'ENOENT' });
    expect(await run(launchWithHandles, notExecutable, [])).toEqual({ error: 'EACCES' });
  });

  it('leaves to child_process what only it handles: NUL bytes, an empty name', () => {
    const request = { env: {}, captureStderr: false, onExit: () => {}, onError: () => {} };
    expect(launchWithHandles({ ...request, file: 'sh', args: ['-c', 'a\0b'] })).toBeNull();
    expect(launchWithHandles({ ...request, file: 'a\0b', args: [] })).toBeNull();
    expect(launchWithHandles({ ...request, file: '', args: [] })).toBeNull();
    expect(launchWithHandles({ ...request, file: 'sh', args: [], env: { X: 'a\0b' } })).toBeNull();
  });
});

describe.runIf(checkedMajor)('startDetached (the collector of a deferred crash)', () => {
  it('starts the command in a session of its own, stdio ignored, with the environment given', async () => {
    const out = join(dir, 'detached.txt');
    const script = `printf "%s %s %s " "$$" "$(cut -d' ' -f6 /proc/$$/stat)" "$ONLY_THIS" > ${out}.part; [ -e /proc/$$/fd/0 ] && readlink /proc/$$/fd/0 >> ${out}.part; mv ${out}.part ${out}`;
    expect(startDetached('/bin/sh', ['-c', script], { PATH: process.env.PATH, ONLY_THIS: 'yes' })).toBe(true);
    for (const until = Date.now() + 10_000; !existsSync(out) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    const [pid, session, value, stdin] = readFileSync(out, 'utf8').split(/[ \n]/);
    expect(session).toBe(pid);
    expect(value).toBe('yes');
    expect(stdin).toBe('/dev/null');
  });

  it('says no, and starts nothing, for what it cannot start', () => {
    expect(startDetached(join(dir, 'missing'), [], {})).toBe(false);
    expect(startDetached('/bin/sh', ['a\0b'], {})).toBe(false);
  });
});
