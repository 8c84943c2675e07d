/**
 * Starting processes with libuv's process and pipe handles, as `node:child_process` does inside,
 * without loading it (launch.ts says why): the run's child (launchWithHandles) and the detached
 * collector of a deferred crash (startDetached).
 *
 * The handles come from `process.binding()`, which Node keeps for exactly these modules
 * (process_wrap, pipe_wrap, stream_wrap are on its allow list, none of them deprecated at run
 * time). What is passed is what child_process passes for the same stdio and an env object:
 * `file`, `args` with the file first, `envPairs` as `KEY=value`, stdio entries
 * `{ type: 'inherit', fd }`, `{ type: 'pipe', handle }` or `{ type: 'ignore' }`. Any surprise
 * before the spawn (a Node major not checked yet, a binding missing or shaped otherwise, a NUL
 * byte that child_process would reject, process.binding wrapped by --pending-deprecation, which
 * would print a warning) makes the caller take the child_process way.
 *
 * The pipes (the channel, and stderr with --capture-stderr) are read as child_process's sockets
 * would read them: readStart(), and each `onread` gets a fresh ArrayBuffer with the byte count
 * in streamBaseState.
 */
import type { LaunchedChild, LaunchRequest } from './launch.js';
import type { PipeSource } from './pipe-source.js';

interface ProcessHandle {
  onexit: (exitCode: number, signalCode: string) => void;
  spawn(options: object): number;
  close(): void;
  unref(): void;
  pid?: number;
}

interface PipeHandle {
  onread: (buffer: ArrayBuffer | undefined) => void;
  readStart(): number;
  readStop(): number;
  close(): void;
  readonly fd: number;
}

interface Handles {
  Process: new () => ProcessHandle;
  Pipe: new (type: number) => PipeHandle;
  socketType: number;
  state: Int32Array;
  readBytes: number;
  bufferOffset: number;
}

/**
 * Node majors whose handles this module was checked against (test/run/launch.test.ts runs every
 * case both ways). Another major takes child_process until it is checked: a later Node may make
 * process.binding() warn, and a warning on stderr is a change the user would see.
 */
const CHECKED_MAJORS = new Set(['20']);

/** The bindings, or null when they are not what this module knows. */
function handles(): Handles | null {
  if (!CHECKED_MAJORS.has(process.versions.node.split('.')[0]!)) return null;
  try {
    // Not in @types/node: it is deprecated for everything but its allow list.
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
    // --pending-deprecation replaces process.binding with a wrapper that warns on stderr.
    if (typeof binding !== 'function' || binding.name !== 'binding') return null;
    const { Process } = binding('process_wrap') as { Process?: unknown };
    const { Pipe, constants } = binding('pipe_wrap') as { Pipe?: unknown; constants?: { SOCKET?: unknown } };
    const stream = binding('stream_wrap') as { streamBaseState?: unknown; kReadBytesOrError?: unknown; kArrayBufferOffset?: unknown };
    if (typeof Process !== 'function' || typeof Pipe !== 'function' || typeof constants?.SOCKET !== 'number') return null;
    if (!(stream.streamBaseState instanceof Int32Array) || typeof stream.kReadBytesOrError !== 'number' || typeof stream.kArrayBufferOffset !== 'number') return null;
    return {
      Process: Process as Handles['Process'],
      Pipe: Pipe as Handles['Pipe'],
      socketType: constants.SOCKET,
      state: stream.streamBaseState,
      readBytes: stream.kReadBytesOrError,
      bufferOffset: stream.kArrayBufferOffset,
    };
  } catch {
    return null;
  }
}

/** `KEY=value` for each defined variable; null when a NUL byte is in any of them. */
function envPairs(env: NodeJS.ProcessEnv): string[] | null {
  const pairs: string[] = [];
  for (const key of Object.keys(env)) {
    const value = env[key];
    if (value === undefined) continue;
    const pair = `${key}=${value}`;
    if (pair.includes('\0')) return null;
    pairs.push(pair);
  }
  return pairs;
}

/** An errno error as child_process makes it: `code` is the errno's name. */
function spawnError(file: string, errno: number): NodeJS.ErrnoException {
  const { getSystemErrorName } = require('node:util') as typeof import('node:util');
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = `E${-errno}`;
  }
  return Object.assign(new Error(`spawn ${file} ${code}`), { errno, code, syscall: `spawn ${file}`, path: file });
}

/**
 * The handles and the environment for spawning `file args`; null when this way is not available:
 * no handles, an empty name or a NUL byte anywhere (child_process's own errors for those).
 */
function prepare(file: string, args: readonly string[], env: NodeJS.ProcessEnv): { h: Handles; envPairs: string[] } | null {
  if (file === '' || file.includes('\0') || args.some((a) => a.includes('\0'))) return null;
  const h = handles();
  const pairs = h === null ? null : envPairs(env);
  return h === null || pairs === null ? null : { h, envPairs: pairs };
}

/** The options child_process hands the process handle, for `file args` with `stdio`. */
function spawnOptions(file: string, args: readonly string[], pairs: string[], stdio: object[], detached: boolean): object {
  return { file, args: [file, ...args], envPairs: pairs, stdio, detached, windowsHide: false, windowsVerbatimArguments: false };
}

/** Starts the child; null when this way is not available (launch.ts then uses child_process). */
export function launchWithHandles(request: LaunchRequest): LaunchedChild | null {
  const { file, args } = request;
  const prepared = prepare(file, args, request.env);
  if (prepared === null) return null;
  const { h } = prepared;

  let exited = false;
  const proc = new h.Process();
  const channel = new h.Pipe(h.socketType);
  const stderr = request.captureStderr ? new h.Pipe(h.socketType) : null;
  proc.onexit = (exitCode, signalCode) => {
    exited = true;
    proc.close();
    const signal = signalCode ? (signalCode as NodeJS.Signals) : null;
    request.onExit(signal === null ? exitCode : null, signal);
  };
  const stdio = [{ type: 'inherit', fd: 0 }, { type: 'inherit', fd: 1 }, stderr === null ? { type: 'inherit', fd: 2 } : { type: 'pipe', handle: stderr }, { type: 'pipe', handle: channel }];
  const errno = proc.spawn(spawnOptions(file, args, prepared.envPairs, stdio, false));
  if (errno !== 0) {
    proc.close();
    channel.close();
    stderr?.close();
    throw spawnError(file, errno);
  }
  const pid = proc.pid ?? 0;
  return {
    pid,
    get exited() {
      return exited;
    },
    kill(signal) {
      process.kill(pid, signal);
    },
    channel: pipeSource(channel, h),
    stderr: stderr === null ? null : pipeSource(stderr, h),
  };
}

/**
 * Starts `file args` in a session of its own with stdio ignored, and does not wait for it (as
 * child_process's `detached: true, stdio: 'ignore'` and `unref()`): for the collector of a
 * deferred crash. False when this way is not available or the spawn failed.
 */
export function startDetached(file: string, args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const prepared = prepare(file, args, env);
  if (prepared === null) return false;
  const proc = new prepared.h.Process();
  proc.onexit = () => proc.close();
  const ignore = { type: 'ignore' };
  const errno = proc.spawn(spawnOptions(file, args, prepared.envPairs, [ignore, ignore, ignore], true));
  if (errno !== 0) {
    proc.close();
    return false;
  }
  proc.unref();
  return true;
}

/** A pipe's parent end, read through its handle. */
function pipeSource(pipe: PipeHandle, h: Handles): PipeSource {
  let open = true;
  let ended = false;
  let paused = false;
  const endListeners: (() => void)[] = [];
  const end = (): void => {
    for (const listener of endListeners.splice(0)) listener();
  };
  return {
    start(onChunk) {
      pipe.onread = (buffer) => {
        const n = h.state[h.readBytes]!;
        if (n > 0 && buffer !== undefined) onChunk(Buffer.from(buffer, h.state[h.bufferOffset], n));
        // End of file or an error: every writer is gone, or the child broke the socket.
        else if (n < 0) {
          ended = true;
          pipe.readStop();
          end();
        }
      };
      pipe.readStart();
    },
    pause() {
      if (open && !ended && !paused) pipe.readStop();
      paused = true;
    },
    resume() {
      if (open && !ended && paused) pipe.readStart();
      paused = false;
    },
    flushBuffered() {
      // Nothing is buffered: a handle delivers each read as it happens.
    },
    fd() {
      // After the end everything was delivered: no last drain (its first readSync costs 0.25 ms).
      const fd = open && !ended ? pipe.fd : -1;
      return typeof fd === 'number' && fd >= 0 ? fd : null;
    },
    ended: () => ended,
    onEnd(listener) {
      if (ended || !open) listener();
      else endListeners.push(listener);
    },
    close() {
      if (!open) return;
      open = false;
      pipe.readStop();
      pipe.close();
      end();
    },
  };
}
