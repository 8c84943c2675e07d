/**
 * Running real Node processes with and without the preload, with a real crash channel on fd 3
 * (a Node 'pipe' stdio entry: a Unix socket pair), and reading everything they write.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrashRecord } from '../../src/traceback/record.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The built bundles, copied once per test file: dist/ is shared with whoever else builds in this
 * checkout, and `npm run build` empties it first, so a concurrent build would make a run fail
 * to find the preload. Build first (`npm run build`); a missing file is waited for a little.
 */
function snapshotDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'watchdog-dist-'));
  for (const name of ['preload.cjs', 'preload-crash.cjs', 'index.cjs', 'index.js']) {
    const from = join(ROOT, 'dist', name);
    for (let tries = 0; ; tries++) {
      try {
        copyFileSync(from, join(dir, name));
        break;
      } catch (err) {
        if (tries >= 100) throw new Error(`${from} missing: run \`npm run build\` first (${String(err)})`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    }
  }
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const DIST = snapshotDist();
export const PRELOAD = join(DIST, 'preload.cjs');
export const INDEX_ESM = join(DIST, 'index.js');
export const INDEX_CJS = join(DIST, 'index.cjs');

/** A string that every test program puts in its error messages: it must never reach the channel. */
export const MARKER = 'SECRET_MARKER_5f3a9c';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Everything that arrived on fd 3 (empty when there was no channel). */
  channel: Buffer;
}

export interface RunOptions {
  cwd?: string;
  /** Extra environment; undefined values remove a variable. */
  env?: Record<string, string | undefined>;
  /** Give the child a crash channel on fd 3 (default true). */
  channel?: boolean;
  /** Instead of a channel, put this descriptor (of the test process) on the child's fd 3. */
  fd3?: number;
  /** Set WATCHDOG_CRASH_FD=3 (default: same as channel). */
  crashFd?: boolean;
  timeoutMs?: number;
}

/** The test runner's environment without anything that would change a child's behaviour. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k === 'NODE_OPTIONS' || k.startsWith('WATCHDOG_') || k.startsWith('VITEST') || k === 'NODE_V8_COVERAGE') {
      delete env[k];
    }
  }
  return env;
}

export function runNode(args: string[], opts: RunOptions = {}): Promise<Run> {
  const withChannel = opts.channel ?? true;
  const env = baseEnv();
  if (opts.crashFd ?? (withChannel || opts.fd3 !== undefined)) env.WATCHDOG_CRASH_FD = '3';
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env,
    stdio:
      opts.fd3 !== undefined
        ? ['ignore', 'pipe', 'pipe', opts.fd3]
        : withChannel
          ? ['ignore', 'pipe', 'pipe', 'pipe']
          : ['ignore', 'pipe', 'pipe'],
  });
  const collect = (s: NodeJS.ReadableStream | null | undefined): Promise<Buffer> =>
    new Promise((res) => {
      if (!s) return res(Buffer.alloc(0));
      const parts: Buffer[] = [];
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('error', () => res(Buffer.concat(parts)));
      s.on('close', () => res(Buffer.concat(parts)));
    });
  const streams = Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    collect(withChannel && opts.fd3 === undefined ? (child.stdio[3] as NodeJS.ReadableStream) : null),
  ]);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      void streams.then(([stdout, stderr, channel]) => res({ code, signal, stdout, stderr, channel }));
    });
  });
}

/** Parses the channel bytes as record lines (throws on anything else). */
export function records(channel: Buffer): CrashRecord[] {
  const text = channel.toString('utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`channel does not end with a newline: ${JSON.stringify(text)}`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{"watchdog":1,')) throw new Error(`not a record: ${line}`);
      return JSON.parse(line) as CrashRecord;
    });
}

export function tempDir(prefix: string): { dir: string; write(name: string, text: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
