/**
 * Shared by the adversarial suite: the built CLI as a real process, scaling for `npm run soak`,
 * process observation through /proc, and the privacy check every end-to-end case ends with.
 *
 * Every count a test repeats is `scaled(n)`: n in `npm test`, SOAK_FACTOR x n under
 * `npm run soak` (vitest.soak.config.ts sets WATCHDOG_SOAK).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir, hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CLI, FIXTURES, ROOT } from '../e2e/cli.js';

export { CLI, FIXTURES, ROOT };

/** How much longer the soak repeats things. */
export const SOAK_FACTOR = Number(process.env.WATCHDOG_SOAK ?? '0') > 0 ? Number(process.env.WATCHDOG_SOAK) : 1;
export const SOAKING = SOAK_FACTOR > 1;

export function scaled(n: number): number {
  return Math.max(1, Math.round(n * SOAK_FACTOR));
}

export function tempDir(prefix = 'wd-adv-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** xorshift32, seeded: the store tests' generator, shared so both suites replay the same way. */
export { prng } from '../counter/helpers.js';

/** A running watchdog: `node dist/cli.cjs ...args`, with its output collected. */
export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the watchdog has exited (its status known, its stdio maybe still open). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout holds a line matching `pattern`; rejects after `ms`. */
  waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>;
}

/**
 * Starts the watchdog in a session of its own (setsid: no controlling terminal), so a signal the
 * test sends cannot look to it like one its terminal also sent the child. `nodeArgs` go to the
 * watchdog's own node, before dist/cli.cjs.
 */
export function startWatchdog(args: readonly string[], store: string, options: SpawnOptions & { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): Running {
  const { nodeArgs = [], ...spawnOptions } = options;
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...spawnOptions,
    env: { ...process.env, NO_COLOR: '1', ...options.env, WATCHDOG_DIR: store },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = async (pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = out.match(pattern);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in stdout: ${JSON.stringify(out)} stderr: ${JSON.stringify(err)}`);
      await sleep(10);
    }
  };
  return { child, stdout: () => out, stderr: () => err, exited, waitFor };
}

/** Waits for a running watchdog to end, with its output complete (stdio closed). */
export async function finished(run: Running): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const status = await run.exited;
  await new Promise<void>((resolve) => (run.child.stdout === null || run.child.stdout.readableEnded || run.child.stdout.destroyed ? resolve() : run.child.once('close', () => resolve())));
  return { ...status, stdout: run.stdout(), stderr: run.stderr() };
}

/** True while `pid` names a live (not zombie) process. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** True while `pid` exists at all, zombie included (its parent has not reaped it). */
export function exists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** The parent of `pid`, or null. */
export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** Pids of the live processes whose environment holds `marker` (as `NAME=value`). */
export function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker) && alive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Waits until no live process carries `marker` in its environment (orphans of killed watchdogs). */
export async function noneLeft(marker: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (markedProcesses(marker).length > 0) {
    if (Date.now() > deadline) throw new Error(`processes still running with ${marker}: ${markedProcesses(marker).join(' ')}`);
    await sleep(50);
  }
}

/** A field of /proc/<pid>/status in KiB (VmHWM, VmRSS), or null once the process is gone. */
export function statusKiB(pid: number, field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Polls VmHWM (peak RSS) of `pid` every few milliseconds until it is gone; the last value seen, in MiB. */
export function peakRss(pid: number, until: Promise<unknown>): Promise<number> {
  let peak = 0;
  let done = false;
  void until.then(() => (done = true));
  return new Promise((resolve) => {
    const poll = (): void => {
      const kib = statusKiB(pid, 'VmHWM');
      if (kib !== null) peak = Math.max(peak, kib);
      if (done || kib === null) resolve(peak / 1024);
      else setTimeout(poll, 5);
    };
    poll();
  });
}

function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Everything that must never be in a store, plus the test's own secrets. */
export function forbiddenWords(extra: readonly string[] = []): string[] {
  const user = userInfo().username;
  return [ROOT, FIXTURES, homedir() + '/', tmpdir() + '/', user === 'root' ? '/root' : user, hostname(), ...extra];
}

/**
 * Every byte stored under `store` (counter files and anything else left there) is free of
 * absolute paths, the home directory, the user and host names, and `secrets`; and no Node
 * fatal-error report (they hold the environment) is left behind.
 */
export function expectPrivate(store: string, secrets: readonly string[] = []): void {
  const words = forbiddenWords(secrets);
  const files = filesBelow(store).filter((f) => statSync(f).isFile());
  for (const file of files) {
    const bytes = readFileSync(file).toString('latin1');
    for (const word of words) expect(bytes.includes(word), `${JSON.stringify(word)} stored in ${file.slice(store.length)}`).toBe(false);
  }
  expect(files.filter((f) => f.includes(`${join(store, 'reports')}/`))).toEqual([]);
}

/** `watchdog counters --json` as values, with its stderr lines. */
export interface Listing {
  code: number | null;
  counters: { program: string; version: string; name: string; count: number; weeks: string[] }[];
  stderrLines: string[];
}

export async function listing(store: string, args: readonly string[] = []): Promise<Listing> {
  const run = startWatchdog(['counters', '--json', ...args], store);
  const { code, stdout, stderr } = await finished(run);
  return { code, counters: code === 0 ? (JSON.parse(stdout) as Listing['counters']) : [], stderrLines: stderr.split('\n').filter((l) => l !== '') };
}

/** Sum of every counter's count. */
export function total(counters: Listing['counters']): number {
  return counters.reduce((n, c) => n + c.count, 0);
}
