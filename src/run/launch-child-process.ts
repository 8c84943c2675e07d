/**
 * Starting the child through `node:child_process` (see launch.ts for when): the public API, at
 * the price of loading net, stream and dgram.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { socketSource } from './pipe-source.js';
import type { LaunchedChild, LaunchRequest } from './launch.js';

export function launchWithChildProcess(request: LaunchRequest): LaunchedChild {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  // Throws, instead of emitting 'error', for an empty command and for most exec errors
  // (ENOTDIR, ELOOP, ENAMETOOLONG, E2BIG, ...).
  const child: ChildProcess = spawn(request.file, [...request.args], {
    stdio: ['inherit', 'inherit', request.captureStderr ? 'pipe' : 'inherit', 'pipe'],
    env: request.env,
  });
  let failed = false;
  child.on('error', (error: NodeJS.ErrnoException) => {
    if (failed || child.pid !== undefined) return;
    failed = true;
    request.onError(error);
  });
  child.on('exit', (exitCode, signal) => request.onExit(exitCode, signal));
  const socket = child.stdio[3] as Readable | null | undefined;
  return {
    get pid() {
      return child.pid ?? 0;
    },
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    kill(signal) {
      if (child.pid === undefined) throw new Error('not started');
      process.kill(child.pid, signal);
    },
    channel: socket ? socketSource(socket) : null,
    stderr: child.stderr ? socketSource(child.stderr) : null,
  };
}
