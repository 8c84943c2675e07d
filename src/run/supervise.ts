/**
 * The supervised run: spawn the child exactly as the user asked, hand it the crash channel,
 * forward signals, and when it ends, record any crash and leave with its status.
 *
 * The child's behaviour comes first: stdio is inherited (a terminal stays a terminal), its
 * environment and working directory are the user's, and nothing the watchdog fails at (store,
 * parsing, source maps) changes its status; such trouble costs at most one line on stderr.
 * Only this module and its imports are loaded before the spawn; the crash path is loaded when
 * there is a crash to record: something on the channel, a death by a crash signal, or a file in
 * the spool (a descendant without the channel crashed, or Node wrote a fatal-error report), which
 * costs one readdir when the child exits; or a crash held aside while the store could not be
 * written (src/crash/holding.ts), to be counted now, which costs one stat per holding root.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { heldWaiting } from '../crash/holding.js';
import { spoolDir, spoolWaiting } from '../crash/spool.js';
import { ChannelReader, type ChannelOutput } from './channel.js';
import { childEnv } from './child-env.js';
import { dieBySignal } from './exit.js';
import { callerIgnoredSignals, ignoreInWatchdog, spawnIgnoring } from './ignored-signals.js';
import { launch, type LaunchedChild } from './launch.js';
import type { PipeSource } from './pipe-source.js';
import { forwardSignals } from './signals.js';
import { StderrTail } from './stderr-capture.js';
import { messageOf, warn } from './warn.js';

export interface RunRequest {
  command: string;
  args: string[];
  /** `--program NAME[@VERSION]`, already split. */
  program: { name: string; version: string | null } | null;
  storeDir: string;
  /** Absolute path of the directory holding the built bundles (preload.cjs, crash.cjs). */
  distDir: string;
  /** `--capture-stderr`: pass stderr through a pipe and parse its tail after an abnormal exit. */
  captureStderr: boolean;
}

/** What the crash path needs to know about a finished child. */
export interface ChildOutcome {
  command: string;
  /** The child's arguments: used only to find a Node entry script, never stored. */
  args: string[];
  pid: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  channel: ChannelOutput;
  /** With --capture-stderr: the last bytes of the child's stderr. */
  stderrTail: Buffer | null;
  /**
   * The spool: where Node children were told to write fatal-error reports, and descendants
   * without the channel their crash records (WATCHDOG_CRASH_SPOOL), when they were.
   */
  reportDir: string | null;
}

/** Signals with which a death counts as a crash even when the channel stayed empty. */
export const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT', 'SIGTRAP', 'SIGSYS']);

const NOTHING_IGNORED: ReadonlySet<string> = new Set();

/** The private spool (src/crash/spool.ts), mode 0700; null when the store cannot hold one. */
function prepareReportDir(storeDir: string): string | null {
  const dir = spoolDir(storeDir);
  try {
    // Checked first: it exists on all but the first run, and the check costs a third of the mkdir.
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  } catch {
    return null;
  }
}

export function supervise(request: RunRequest): void {
  const reportDir = prepareReportDir(request.storeDir);
  const env = childEnv(process.env, { preload: join(request.distDir, 'preload.cjs'), reportDir, pythonAdapter: join(request.distDir, 'python'), runPid: process.pid });
  // Usually nothing is ignored: then this is one environment lookup and nothing else is run.
  const ignoredSignals = callerIgnoredSignals(process.env);
  const ignoredHere = ignoredSignals.length === 0 ? NOTHING_IGNORED : ignoreInWatchdog(ignoredSignals);
  const started = ignoredSignals.length === 0 ? { file: request.command, args: request.args } : spawnIgnoring(request.command, request.args, ignoredSignals, env);
  let child: LaunchedChild;
  try {
    child = launch({
      file: started.file,
      args: started.args,
      env,
      captureStderr: request.captureStderr,
      onExit: (exitCode, signal) => exited(exitCode, signal),
      onError: (error) => {
        stopForwarding();
        reader?.finish();
        failedToStart(request.command, error);
      },
    });
  } catch (error) {
    // The command could not be started (ENOENT, EACCES, ENOTDIR, E2BIG, an empty name, ...).
    failedToStart(request.command, error);
    return;
  }
  const stopForwarding = forwardSignals(child, ignoredHere);
  const stderr = request.captureStderr && child.stderr ? new StderrTail(child.stderr) : null;
  const reader = child.channel ? new ChannelReader(child.channel) : null;

  function exited(exitCode: number | null, signal: NodeJS.Signals | null): void {
    const captured = child.stderr;
    if (stderr === null || captured === null) return finish(exitCode, signal);
    // Everything the child wrote is in the pipe by now: passed on before leaving, however slowly
    // the real stderr is read. Only a descendant still holding the pipe is waited for, with a limit.
    stderr.flushAvailable((ended) => (ended ? finish(exitCode, signal) : afterStderrEnds(captured, () => finish(exitCode, signal))));
  }

  function finish(exitCode: number | null, signal: NodeJS.Signals | null): void {
    // Forwarding stays on: its listeners do nothing once the child is gone, so a signal that
    // arrives while a crash is recorded neither kills the watchdog nor changes the status it
    // leaves with (dieBySignal removes the one it needs).
    const channel = reader ? reader.finish() : { bytes: Buffer.alloc(0), totalBytes: 0 };
    const abnormal = signal !== null || exitCode !== 0;
    const stderrTail = stderr && abnormal ? stderr.tail() : null;
    const outcome: ChildOutcome = { command: request.command, args: request.args, pid: child.pid, exitCode, signal, channel, stderrTail, reportDir };
    const crashed =
      channel.totalBytes > 0 ||
      (signal !== null && CRASH_SIGNALS.has(signal)) ||
      (stderrTail !== null && stderrTail.length > 0) ||
      (reportDir !== null && spoolWaiting(reportDir));
    if (crashed) recordCrash(request, outcome);
    else if (heldWaiting(request.storeDir)) recordHeldCrashes(request);
    if (signal !== null) dieBySignal(signal);
    else process.exit(exitCode ?? 1);
  }
}

/** What a shell says when a command cannot be run, by errno. */
const START_FAILURES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  E2BIG: 'argument list too long',
  ENOEXEC: 'exec format error',
  ETXTBSY: 'text file busy',
  ENOMEM: 'cannot allocate memory',
  EAGAIN: 'resource temporarily unavailable',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
};

/**
 * Leaves as a shell does when the command cannot be started, with one line: 127 when there is
 * no such command (nothing at the path, an empty name, or a bare name no PATH entry resolves),
 * 126 when there is one that cannot be run.
 */
function failedToStart(command: string, error: unknown): void {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? '';
  const lookupFailed = !command.includes('/') && (code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG');
  if (command === '' || code === 'ENOENT' || lookupFailed) {
    warn(`${command}: command not found`);
    process.exit(127);
  }
  const message = messageOf(error);
  warn(`${command}: ${START_FAILURES[code] ?? message}`);
  process.exit(126);
}

/** How long captured stderr may stay open after the child exits (a descendant may hold it). */
const STDERR_LINGER_MS = 200;

/** Calls `then` once the child's stderr has been passed through to its end, or after the linger time. */
function afterStderrEnds(source: PipeSource, then: () => void): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    then();
  };
  const timer = setTimeout(once, STDERR_LINGER_MS);
  source.onEnd(once);
}

function recordCrash(request: RunRequest, outcome: ChildOutcome): void {
  try {
    // Loaded only now: parsers, source maps and the store cost nothing on a run that does not crash.
    const crashPath = require(join(request.distDir, 'crash.cjs')) as typeof import('../crash/index.js');
    crashPath.recordOutcome(outcome, { storeDir: request.storeDir, program: request.program });
  } catch (error) {
    // The message says whether the crash was kept aside to be recorded later (holding.ts) or lost.
    warn(`could not record the crash: ${messageOf(error)}`);
  }
}

/** A run without a crash on a store with crashes held aside: counts them, silently. */
function recordHeldCrashes(request: RunRequest): void {
  try {
    const crashPath = require(join(request.distDir, 'crash.cjs')) as typeof import('../crash/index.js');
    crashPath.recordHeld(request.storeDir);
  } catch {
    // They stay held for the next run.
  }
}
