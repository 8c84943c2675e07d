/**
 * File: bounded, synchronous reads of local regular files, the only I/O the symbolizer does.
 *
 * A file is opened first (read-only, non-blocking so a FIFO cannot stall the open), then judged
 * by fstat of that same descriptor, so what is checked is what is read: anything but a regular
 * file (FIFO, socket, device, directory) is refused before a byte is read, and so is a file
 * larger than the caller's bound, however large (a 1 GB sparse file costs one fstat).
 *
 * Invariants:
 * - Every descriptor opened here is closed before the function returns.
 * - At most the requested number of bytes is read; a file that grows while being read yields at
 *   most what fstat promised.
 * - Failures are values (a short reason), never exceptions.
 */

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Why a read was refused or failed; for tests and diagnostics, never shown in counters. */
export type Refusal = { refused: string };

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Runs `use` with an open descriptor of the regular file at `path` and its size. With
 * `noFollow`, a symbolic link as the last path component is refused (used after realpath, so a
 * link swapped in since then is not followed).
 */
export function withRegularFile<T>(path: string, noFollow: boolean, use: (fd: number, size: number) => T | Refusal): T | Refusal {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS | (noFollow ? constants.O_NOFOLLOW ?? 0 : 0));
  } catch (error) {
    return { refused: `cannot open (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { refused: 'not a regular file' };
    return use(fd, stat.size);
  } catch (error) {
    return { refused: `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing useful to do
    }
  }
}

/** Reads up to `length` bytes at `position`; fewer when the file is shorter. */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(Math.max(0, length));
  let filled = 0;
  while (filled < length) {
    const n = readSync(fd, buffer, filled, length - filled, position + filled);
    if (n <= 0) break;
    filled += n;
  }
  return buffer.subarray(0, filled);
}

/** Reads a whole regular file of at most `maxBytes` bytes. */
export function readWholeFile(path: string, maxBytes: number, noFollow: boolean): Buffer | Refusal {
  return withRegularFile(path, noFollow, (fd, size) => {
    if (size > maxBytes) return { refused: `larger than ${maxBytes} bytes` };
    return readAt(fd, 0, size);
  });
}
