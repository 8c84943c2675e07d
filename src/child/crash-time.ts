/**
 * The crash-time half of setCrashOutput (set-crash-output.ts): building the record of a crash and
 * delivering it (to the descriptor, or into the spool).
 *
 * Every Node process under the watchdog loads the preload, and almost none of them crashes, so the
 * preload is two bundles: dist/preload.cjs holds only what has to happen at start-up (the channel
 * check, the listener, the abort and formatter wrappers), and this module, bundled alone as
 * dist/preload-crash.cjs, is `require`d by it at the first crash (set-crash-output.ts
 * setCrashTimeLoader). The library bundle (src/index.ts) imports it statically instead: a program
 * that opts in with setCrashOutput loads it once, and the code is the same.
 *
 * Invariants:
 * - No state of the start-up half lives here (that half may be another copy than the one that
 *   loaded this module): what it knows is passed in, the output and `sitesOf` (stack-hook.ts
 *   callSitesOf, which holds the CallSites its formatter wrapper kept).
 * - Never throws (the caller also catches), never writes anything but the record.
 * - CRASH_TIME_API says which calls this module answers: the start-up half loads this file from
 *   disk at crash time, by then possibly from a newer build; it uses it only when the number is
 *   the one it was built with.
 */
import { abortRecord, captureCallSites, errorRecord, MAX_FRAMES, serialize, type SitesOf } from './build-record.js';
import { writeSpool } from './spool.js';
import { writeRecordBytes } from './write-record.js';

export const CRASH_TIME_API = 1;

/** Where records go: a descriptor, a spool directory (one file per record), or both (spool as fallback). */
export type Output = { fd: number; spool: string | null } | { fd: null; spool: string };

/**
 * Writes one record line. The spool gets it when there is no descriptor, or when not one byte of
 * it could be written there (the watchdog has exited), except for a `handled` record, which the
 * spool never takes (set-crash-output.ts says why).
 */
function deliver(to: Output, line: string, handled: boolean): void {
  if (to.fd !== null && (writeRecordBytes(to.fd, line) > 0 || handled)) return;
  if (to.spool !== null) writeSpool(to.spool, line);
}

/** The record of an uncaught exception or unhandled rejection (`kind`), delivered to `to`. */
export function deliverError(to: Output, kind: string, value: unknown, handled: boolean, sitesOf: SitesOf): void {
  try {
    deliver(to, serialize(errorRecord(kind, value, handled, sitesOf)), handled);
  } catch {
    // Never disturb the crash.
  }
}

/**
 * The record of process.abort(), delivered to `to`: its frames are those of the caller of `below`
 * (the abort wrapper, which is on the stack: this is called from inside it).
 */
export function deliverAbort(to: Output, below: (...args: never[]) => unknown): void {
  try {
    deliver(to, serialize(abortRecord(captureCallSites(below, MAX_FRAMES))), false);
  } catch {
    // Abort anyway.
  }
}
