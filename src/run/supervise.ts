/**
 * The supervised run: spawn the child exactly as the user asked, hand it the crash channel,
 * forward signals, and when it ends, record any crash and leave with its status.
 *
 * The child's behaviour comes first: stdio is inherited (a terminal stays a terminal), its
 * environment and working directory are the user's, and nothing the watchdog fails at (store,
 * parsing, source maps) changes its status; such trouble costs at most one line on stderr.
 * Only this module and its imports are loaded before the spawn; the crash path is loaded when
 * there is a crash to record.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChannelReader, type ChannelOutput } from './channel.js';
import { childEnv } from './child-env.js';
import { dieBySignal } from './exit.js';
import { forwardSignals } from './signals.js';
import { warn } from './warn.js';

export interface RunRequest {
  command: string;
  args: string[];
  /** `--program NAME[@VERSION]`, already split. */
  program: { name: string; version: string | null } | null;
  storeDir: string;
  /** Absolute path of the directory holding the built bundles (preload.cjs, crash.cjs). */
  distDir: string;
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
  /** Where Node children were told to write fatal-error reports, when they were. */
  reportDir: string | null;
}

/** Signals with which a death counts as a crash even when the channel stayed empty. */
export const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT', 'SIGTRAP', 'SIGSYS']);

/** A private spool for Node's fatal-error reports; null when the store cannot hold one. */
function prepareReportDir(storeDir: string): string | null {
  const dir = join(storeDir, 'reports');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  } catch {
    return null;
  }
}

export function supervise(request: RunRequest): void {
  const reportDir = prepareReportDir(request.storeDir);
  const env = childEnv(process.env, { preload: join(request.distDir, 'preload.cjs'), reportDir });
  const child = spawn(request.command, request.args, {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env,
  });
  const stopForwarding = forwardSignals(child);
  const channelSocket = child.stdio[3];
  const reader = channelSocket ? new ChannelReader(channelSocket as NodeJS.ReadableStream as never) : null;

  child.on('error', (error: NodeJS.ErrnoException) => {
    stopForwarding();
    reader?.finish();
    // As a shell reports it: not found is 127, found but not runnable is 126.
    if (error.code === 'ENOENT') {
      warn(`${request.command}: command not found`);
      process.exit(127);
    }
    warn(`${request.command}: ${error.code === 'EACCES' ? 'permission denied' : error.message}`);
    process.exit(126);
  });

  child.on('exit', (exitCode, signal) => {
    stopForwarding();
    const channel = reader ? reader.finish() : { bytes: Buffer.alloc(0), totalBytes: 0 };
    const outcome: ChildOutcome = { command: request.command, args: request.args, pid: child.pid ?? 0, exitCode, signal, channel, reportDir };
    const crashed = channel.totalBytes > 0 || (signal !== null && CRASH_SIGNALS.has(signal));
    if (crashed) recordCrash(request, outcome);
    if (signal !== null) dieBySignal(signal);
    else process.exit(exitCode ?? 1);
  });
}

function recordCrash(request: RunRequest, outcome: ChildOutcome): void {
  try {
    // Loaded only now: parsers, source maps and the store cost nothing on a run that does not crash.
    const crashPath = require(join(request.distDir, 'crash.cjs')) as typeof import('../crash/index.js');
    crashPath.recordOutcome(outcome, { storeDir: request.storeDir, program: request.program });
  } catch (error) {
    warn(`could not record the crash: ${error instanceof Error ? error.message : String(error)}`);
  }
}
