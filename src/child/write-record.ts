/**
 * Writing one record line to the crash descriptor, synchronously, at a moment the process may be
 * about to die.
 *
 * Invariants:
 * - One fs.writeSync of the whole line. A line is at most 32 KiB (build-record.ts), less than a
 *   pipe (64 KiB) or a Unix socket buffer (~208 KiB on Linux) holds, so on the watchdog's channel,
 *   which is blocking unless someone set O_NONBLOCK on it, the first write takes it all.
 * - If the descriptor is non-blocking and full (EAGAIN) or the write is partial, the rest is
 *   retried, waiting 1 ms between tries, for at most ~50 ms in all: a crashing process is never
 *   held up for long, and never spins.
 * - Every failure (EPIPE when the watchdog is gone: Node ignores SIGPIPE, so it arrives as an
 *   exception; EBADF; EAGAIN to the end) is swallowed: the result says whether it all went out
 *   (writeRecordBytes: how much did).
 */
import { writeSync } from 'node:fs';

const MAX_TRIES = 50;
let sleeper: Int32Array | null = null;

function pause(ms: number): void {
  try {
    sleeper ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleeper, 0, 0, ms);
  } catch {
    // Cannot wait here: retry at once (still bounded by MAX_TRIES).
  }
}

export function writeRecord(fd: number, line: string): boolean {
  return writeRecordBytes(fd, line) === Buffer.byteLength(line, 'utf8');
}

/** As writeRecord; says how many bytes went out (0: none, e.g. EPIPE at the first write). */
export function writeRecordBytes(fd: number, line: string): number {
  let done = 0;
  try {
    const bytes = Buffer.from(line, 'utf8');
    for (let tries = 0; done < bytes.length && tries < MAX_TRIES; tries++) {
      try {
        done += writeSync(fd, bytes, done, bytes.length - done);
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') return done;
        if (code !== 'EINTR') pause(1);
      }
    }
    return done;
  } catch {
    return done;
  }
}
