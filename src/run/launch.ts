/**
 * Starting the child: the command as asked, stdio 0-2 inherited (or stderr through a socket
 * pair with --capture-stderr), the crash channel's socket pair on fd 3.
 *
 * Two ways, one behaviour (the same libuv call with the same options):
 * - launch-libuv.ts drives libuv's process and pipe handles directly. This is the usual way:
 *   `node:child_process` loads net, stream and dgram (54M instructions, about 9 ms here), which
 *   is more than the whole rest of a run costs; without it the watchdog starts its command
 *   sooner than a 15-line child_process spawner does (BENCHMARKS.md, row 1).
 * - launch-child-process.ts, through `node:child_process`, whenever the handles are not there
 *   as expected (a Node major not checked yet, --pending-deprecation, which would print a
 *   warning, a permission model) or an argument holds a NUL byte (child_process rejects it with
 *   its own message).
 */
import { launchWithHandles } from './launch-libuv.js';
import type { PipeSource } from './pipe-source.js';

export interface LaunchRequest {
  file: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Give the child a pipe for stderr (LaunchedChild.stderr) instead of ours. */
  captureStderr: boolean;
  /** Called once when the child exits: its code, or the signal that ended it. */
  onExit(exitCode: number | null, signal: NodeJS.Signals | null): void;
  /** Called at most once, instead of onExit, when the command could not be started after all. */
  onError(error: NodeJS.ErrnoException): void;
}

export interface LaunchedChild {
  readonly pid: number;
  /** True once the child has exited. */
  readonly exited: boolean;
  /** Sends `signal` to the child. Throws when it cannot (the child is gone). */
  kill(signal: NodeJS.Signals): void;
  /** The parent's end of the crash channel; null when there is none. */
  readonly channel: PipeSource | null;
  /** With captureStderr: the parent's end of the child's stderr, to pass on. */
  readonly stderr: PipeSource | null;
}

/** Starts the child. Throws an errno error (`code`) when the command cannot be started. */
export function launch(request: LaunchRequest): LaunchedChild {
  const launched = launchWithHandles(request);
  if (launched !== null) return launched;
  // Loaded only on this path: it is the cost the handles avoid.
  const viaNode = require('./launch-child-process.js') as typeof import('./launch-child-process.js');
  return viaNode.launchWithChildProcess(request);
}
