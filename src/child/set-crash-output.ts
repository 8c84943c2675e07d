/**
 * setCrashOutput: the Node analogue of Go's runtime/debug.SetCrashOutput.
 *
 * After setCrashOutput(fd), a crash of this process (an uncaught exception, an unhandled
 * rejection, process.abort()) writes one CrashRecord line (docs/channel.md) to fd, then the crash
 * goes on exactly as before: same output, same exit status.
 *
 * How, without changing behaviour:
 * - crashes are observed with process 'uncaughtExceptionMonitor', which only watches;
 * - the frames come from V8's CallSites, kept by the stack hook (stack-hook.ts) that wraps the
 *   formatter in place; when it cannot, the frame lines of the stack text are sent instead;
 * - process.abort is wrapped by a function of the same name and length that writes the record,
 *   then calls the original.
 *
 * Invariants:
 * - At most one set of listeners per process, even when several copies of this module are loaded
 *   (the preload bundle and the library bundle): the copy that installed first owns them, and the
 *   others hand their calls to it (found through a registered symbol on its listener).
 * - Worker threads never write: a worker's crash is not the process's crash (it becomes an 'error'
 *   event on the Worker, or an uncaught exception of the main thread, which writes then).
 * - When an 'uncaughtException' listener (or a capture callback) exists, the program may survive:
 *   the record says `handled: true`, and at most MAX_HANDLED such records are written, so a
 *   program that swallows errors forever cannot flood the channel.
 * - The output is a descriptor (setCrashOutput, or the watchdog's channel) or, for a process
 *   under the watchdog that has no channel, the crash spool (spool.ts, enableCrashSpool): one
 *   file per record. The channel holder knows the spool too: when not one byte of a record could
 *   be written on the channel (EPIPE: the watchdog has exited, and this process outlived it), the
 *   record goes to the spool instead, so it is counted once either way.
 * - The spool gets no `handled` record: only the watchdog, seeing the process's exit status 7,
 *   could tell whether the handler failed, and nothing sees the exit status of a descendant
 *   (Node emits no 'exit' event for a failed handler either).
 * - This module is the start-up half: what it does before any crash is install (the listener, the
 *   abort wrapper, the stack hook). Building and writing a record is crash-time.ts, which it gets
 *   from the loader its bundle gave it (setCrashTimeLoader), only when a crash happens: the
 *   preload `require`s its second bundle then, the library hands over its static import.
 */
import { fstatSync } from 'node:fs';
import type { CRASH_TIME_API, deliverAbort, deliverError, Output } from './crash-time.js';
import { callSitesOf, installStackHook, uninstallStackHook } from './stack-hook.js';

const MAX_HANDLED = 8;
const OWNER = Symbol.for('crash-watchdog.setCrashOutput');

type Monitor = ((err: unknown, origin: unknown) => void) & { [OWNER]?: Owner };
interface Owner {
  /** `spool`: where a record goes that could not be written to `fd` at all (older copies ignore it). */
  set(fd: number | null, spool?: string | null): boolean;
  /** Absent in copies of this module that predate the spool. */
  spool?(dir: string): boolean;
}

/** What this module calls at crash time (crash-time.ts). */
interface CrashTime {
  CRASH_TIME_API: typeof CRASH_TIME_API;
  deliverError: typeof deliverError;
  deliverAbort: typeof deliverAbort;
}

const ReflectApply = Reflect.apply;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectDefineProperty = Object.defineProperty;

let output: Output | null = null;
let handledWrites = 0;
let monitor: Monitor | null = null;
let abortSaved: { wrapper: () => never; desc: PropertyDescriptor } | null = null;
let crashTimeLoader: (() => unknown) | null = null;
let crashTime: CrashTime | null = null;

/**
 * Where the crash-time half (crash-time.ts) comes from, called at most until it succeeds, at the
 * first crash: the preload `require`s dist/preload-crash.cjs, the library returns its static
 * import. Without a loader no record is written.
 */
export function setCrashTimeLoader(load: () => unknown): void {
  crashTimeLoader = load;
}

/** The crash-time half, loaded now if need be; null when it cannot be had (nothing is written then). */
function loadCrashTime(): CrashTime | null {
  if (crashTime === null && crashTimeLoader !== null) {
    // A throw (the file is gone, or the stack is nearly full at an abort) is the caller's to catch;
    // the next crash tries again.
    const m = crashTimeLoader() as Partial<CrashTime> | null | undefined;
    if (
      m !== null &&
      typeof m === 'object' &&
      m.CRASH_TIME_API === 1 &&
      typeof m.deliverError === 'function' &&
      typeof m.deliverAbort === 'function'
    ) {
      crashTime = m as CrashTime;
    }
  }
  return crashTime;
}

function isWorkerThread(): boolean {
  try {
    const loaded = (process as { moduleLoadList?: unknown }).moduleLoadList;
    return Array.isArray(loaded) && loaded.includes('NativeModule internal/process/worker_thread_only');
  } catch {
    return false;
  }
}

function onCrash(err: unknown, origin: unknown): void {
  const to = output;
  if (to === null) return;
  try {
    const handled =
      process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback();
    if (handled) {
      // The spool cannot tell a survived error from a failed handler (see above).
      if (to.fd === null || handledWrites >= MAX_HANDLED) return;
      handledWrites++;
    }
    const kind = origin === 'unhandledRejection' ? 'unhandledRejection' : 'uncaughtException';
    loadCrashTime()?.deliverError(to, kind, err, handled, callSitesOf);
  } catch {
    // Never disturb the crash.
  }
}

function wrapAbort(): void {
  const desc = ObjectGetOwnPropertyDescriptor(process, 'abort');
  if (desc === undefined || typeof desc.value !== 'function') return;
  if (abortSaved !== null && desc.value === abortSaved.wrapper) return;
  const original = desc.value as (...args: unknown[]) => never;
  const wrapper = {
    abort(this: unknown, ...args: unknown[]): never {
      const to = output;
      if (to !== null) {
        try {
          loadCrashTime()?.deliverAbort(to, wrapper);
        } catch {
          // Abort anyway.
        }
      }
      return ReflectApply(original, this, args) as never;
    },
  }.abort;
  try {
    ObjectDefineProperty(process, 'abort', { ...desc, value: wrapper });
    abortSaved = { wrapper, desc };
  } catch {
    // Left alone: aborts are then not recorded.
  }
}

function unwrapAbort(): void {
  if (abortSaved === null) return;
  try {
    if (process.abort === abortSaved.wrapper) ObjectDefineProperty(process, 'abort', abortSaved.desc);
  } catch {
    // Left as is; the wrapper writes nothing once output is null.
  }
  abortSaved = null;
}

function findOwner(): Owner | null {
  if (process.listenerCount('uncaughtExceptionMonitor') === 0) return null;
  for (const l of process.listeners('uncaughtExceptionMonitor') as Monitor[]) {
    const owner = l[OWNER];
    if (owner !== undefined && typeof owner.set === 'function') return owner;
  }
  return null;
}

const self: Required<Owner> = {
  set: (fd, spool = null) => apply(fd === null ? null : { fd, spool: typeof spool === 'string' && spool !== '' ? spool : null }),
  spool: (dir) => apply({ fd: null, spool: dir }),
};

function apply(to: Output | null): boolean {
  if (to === null) {
    output = null;
    if (monitor !== null) process.removeListener('uncaughtExceptionMonitor', monitor);
    monitor = null;
    unwrapAbort();
    uninstallStackHook();
    return true;
  }
  if (isWorkerThread()) return false;
  output = to;
  if (monitor === null) {
    const m: Monitor = (err, origin) => onCrash(err, origin);
    m[OWNER] = self;
    process.prependListener('uncaughtExceptionMonitor', m);
    monitor = m;
  }
  wrapAbort();
  installStackHook();
  return true;
}

/**
 * Used by the preload, which has already checked the descriptor (channel.ts): installs without
 * further checks. `spool`: where a record goes when the channel takes none of it (the watchdog
 * has exited).
 */
export function enableCrashOutput(fd: number, spool: string | null = null): boolean {
  try {
    const owner = findOwner();
    return owner !== null && owner !== self ? owner.set(fd, spool) : self.set(fd, spool);
  } catch {
    return false;
  }
}

/**
 * Used by the preload in a process under the watchdog that has no channel: records go to the
 * spool directory `dir` (spool.ts checks it at crash time). A program's own setCrashOutput
 * replaces it, as it replaces the channel.
 */
export function enableCrashSpool(dir: string): boolean {
  try {
    const owner = findOwner();
    if (owner !== null && owner !== self) return typeof owner.spool === 'function' ? owner.spool(dir) : false;
    return self.spool(dir);
  } catch {
    return false;
  }
}

/**
 * Arranges that a crash of this process (an uncaught exception, an unhandled rejection,
 * `process.abort()`) writes one structured crash record to the file descriptor `fd` before the
 * process dies as it would have: what the program prints and its exit status do not change.
 * The Node analogue of Go's `debug.SetCrashOutput`.
 *
 * The record is one line of JSON starting with `{"watchdog":1,` (schema: docs/channel.md): the
 * kind of crash, the error's class, its stack frames (file, function, line, column and the first
 * line of the enclosing function), the entry script, Node's version and the pid. Never the message
 * or any value. It is written synchronously, in one write; write errors are ignored.
 *
 * When an `'uncaughtException'` listener exists the program may survive the error: the record then
 * says `handled: true`.
 *
 * `setCrashOutput(null)` stops it. Calling it again replaces the descriptor. Returns whether it
 * took effect: false for a descriptor that is not open or not a valid number, and in worker
 * threads (a worker's crash is not the process's crash).
 *
 * It does not apply the channel identity rule of docs/channel.md: a program that takes
 * `WATCHDOG_CRASH_FD` itself should check `WATCHDOG_CRASH_ID` first.
 *
 * @example
 * import { openSync } from 'node:fs';
 * import { setCrashOutput } from 'crash-watchdog';
 * setCrashOutput(openSync('crash.jsonl', 'a')); // one record line per crash
 */
export function setCrashOutput(fd: number | null): boolean {
  try {
    const owner = findOwner();
    if (fd === null) return owner !== null && owner !== self ? owner.set(null) : self.set(null);
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) return false;
    fstatSync(fd); // must be open
    return owner !== null && owner !== self ? owner.set(fd) : self.set(fd);
  } catch {
    return false;
  }
}
