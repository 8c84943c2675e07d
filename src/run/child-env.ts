/**
 * The child's environment: the user's, unchanged, plus what the crash channel needs.
 *
 * - WATCHDOG_CALLER_SIGIGN, the launcher's note to this watchdog (ignored-signals.ts), is removed.
 * - WATCHDOG_CRASH_FD announces the channel; an inherited WATCHDOG_CRASH_ID (an outer watchdog's
 *   channel identity) is removed, because the channel it names is not this child's fd 3.
 * - WATCHDOG_RUN names this run (the watchdog's pid): a Node fatal-error report holds its
 *   writer's environment, so the run that collects a report can tell its own from another run's
 *   on the same store (src/crash/spool.ts). An outer watchdog's value is replaced.
 * - WATCHDOG_CRASH_SPOOL names the spool (the private report directory), where a Node descendant
 *   that has no channel writes its record (src/child/spool.ts); only when that directory exists.
 *   An inherited one (an outer watchdog's) is removed otherwise: this run's crashes are its own.
 * - NODE_OPTIONS gets the preload and Node's fatal-error report appended, never replacing what
 *   the user has there.
 * - PYTHONPATH gets the Python adapter's directory first (it removes itself from sys.path again
 *   and chains to any sitecustomize of the user's).
 */
import { delimiter } from 'node:path';
import { SPOOL_VAR } from '../child/spool.js';
import { RUN_VAR } from '../crash/spool.js';
import { CHANNEL_FD } from './channel.js';
import { CALLER_SIGIGN_VAR } from './ignored-signals.js';

/** Quotes one NODE_OPTIONS word the way Node's parser reads it (double quotes, backslash escapes). */
export function quoteNodeOption(word: string): string {
  return /^[A-Za-z0-9_\-.,/:=@+]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`;
}

export interface ChildEnvOptions {
  /** Absolute path of dist/preload.cjs. */
  preload: string;
  /** The private spool, for Node's fatal-error reports and descendants' records; null for none. */
  reportDir: string | null;
  /** Directory holding the Python adapter (sitecustomize.py). */
  pythonAdapter: string;
  /** The watchdog's pid, which names the run. */
  runPid: number;
}

export function childEnv(base: NodeJS.ProcessEnv, options: ChildEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, WATCHDOG_CRASH_FD: String(CHANNEL_FD), [RUN_VAR]: String(options.runPid) };
  delete env.WATCHDOG_CRASH_ID;
  delete env[CALLER_SIGIGN_VAR];
  delete env[SPOOL_VAR];
  const added = [`--require=${quoteNodeOption(options.preload)}`];
  if (options.reportDir !== null) {
    env[SPOOL_VAR] = options.reportDir;
    added.push('--report-on-fatalerror', `--report-directory=${quoteNodeOption(options.reportDir)}`);
  }
  const existing = base.NODE_OPTIONS?.trim();
  env.NODE_OPTIONS = existing ? `${existing} ${added.join(' ')}` : added.join(' ');
  env.PYTHONPATH = base.PYTHONPATH ? `${options.pythonAdapter}${delimiter}${base.PYTHONPATH}` : options.pythonAdapter;
  return env;
}
