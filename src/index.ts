/**
 * crash-watchdog: local-first crash reporting for command-line tools.
 *
 * The library API. Most Node programs need none of it: under `watchdog -- <cmd>` the preload does
 * the same automatically (docs/channel.md).
 */

/**
 * `setCrashOutput(fd: number | null): boolean`, Go's `debug.SetCrashOutput` for Node: after it, a
 * crash of this process (uncaught exception, unhandled rejection, `process.abort()`) writes one
 * JSON crash record line (docs/channel.md; no message, no values) to `fd`, then goes on exactly as
 * before. `null` stops it. Returns whether it took effect. Full contract: src/child/set-crash-output.ts.
 */
export { setCrashOutput } from './child/set-crash-output.js';
export type { CrashRecord, RecordFrame } from './traceback/record.js';

// The library carries the crash-time half (building and writing a record) itself; the preload
// loads it from a second bundle at the first crash instead (src/child/crash-time.ts).
import * as crashTime from './child/crash-time.js';
import { setCrashTimeLoader } from './child/set-crash-output.js';
setCrashTimeLoader(() => crashTime);
