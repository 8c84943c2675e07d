/**
 * The crash spool, writing side: where a Node process that has no crash channel puts its record.
 *
 * Node passes only fds 0-2 to the processes it spawns, so under `watchdog -- npm run build` the
 * process that crashes is usually not the one holding the channel (channel.ts, the identity rule).
 * The watchdog therefore also names a private directory, WATCHDOG_CRASH_SPOOL (the `<store>/reports`
 * directory Node's fatal-error reports go to), and a process without the channel writes its record
 * there, one file per crash. The watchdog collects the files when a run ends, or when the next
 * `watchdog stacks` / `counters` runs (src/crash/spool.ts), and deletes them.
 *
 * Invariants:
 * - Only into the directory the watchdog made, checked at crash time (never at start-up): an
 *   absolute path that lstat says is a real directory (not a symlink), owned by this process's
 *   effective uid, and not writable by group or others. Anything else: nothing is written.
 * - Only into a fresh file. The line is written to `partial.<pid>.<unique>` (created with
 *   O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, so an existing name is never followed or
 *   overwritten) in one writeSync, closed, then linked to `record.<pid>.<unique>.json` (link,
 *   unlike rename, never replaces an existing name) and the partial name removed. Where the file
 *   system has no hard links it is renamed instead: the name holds this pid and a monotonic time,
 *   so no other process chooses it. A collector matches only `record.*.json`, so it never reads a
 *   record half-written. A write that falls short (a full disk) is removed, never published.
 * - `<unique>` is the monotonic clock in base 36: a reused pid never meets its predecessor's names.
 * - Never throws: the result says whether the record was published.
 */
import { closeSync, constants, linkSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export const SPOOL_VAR = 'WATCHDOG_CRASH_SPOOL';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
const MAX_NAME_TRIES = 4;

/** True when `dir` is a directory this process may spool into (see the invariants above). */
export function usableSpool(dir: string): boolean {
  try {
    if (typeof dir !== 'string' || dir === '' || !isAbsolute(dir)) return false;
    const uid = process.geteuid?.();
    if (uid === undefined) return false;
    const st = lstatSync(dir);
    return st.isDirectory() && !st.isSymbolicLink() && st.uid === uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Writes one record line into the spool directory `dir` as a file of its own. Never throws. */
export function writeSpool(dir: string, line: string): boolean {
  try {
    if (!usableSpool(dir)) return false;
    const bytes = Buffer.from(line, 'utf8');
    for (let attempt = 0; attempt < MAX_NAME_TRIES; attempt++) {
      const unique = `${process.pid}.${process.hrtime.bigint().toString(36)}${attempt === 0 ? '' : `-${attempt}`}`;
      const partial = join(dir, `partial.${unique}`);
      let fd: number;
      try {
        fd = openSync(partial, CREATE_FLAGS, 0o600);
      } catch (err) {
        if ((err as { code?: unknown } | null)?.code === 'EEXIST') continue;
        return false;
      }
      let written = 0;
      try {
        written = writeSync(fd, bytes, 0, bytes.length);
      } catch {
        // Counted as short below.
      } finally {
        try {
          closeSync(fd);
        } catch {
          // The bytes are written or not; nothing more to do.
        }
      }
      if (written !== bytes.length) {
        remove(partial);
        return false;
      }
      const record = join(dir, `record.${unique}.json`);
      try {
        linkSync(partial, record);
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        if (code === 'EEXIST') {
          remove(partial);
          continue;
        }
        // A file system without hard links: rename, to a name no other process would choose.
        try {
          renameSync(partial, record);
          return true;
        } catch {
          remove(partial);
          return false;
        }
      }
      remove(partial);
      return true;
    }
    return false;
  } catch {
    return false;
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Left for the collector, which removes stale partial files.
  }
}
