/**
 * The store's files on disk, and how to find and read them.
 *
 *   <dir>/counters/<enc(program)>@<enc(version)>/names.wdn     name definitions (format.ts)
 *   <dir>/counters/<enc(program)>@<enc(version)>/<YYYY>-W<ww>.wdc   increments of one ISO week
 *
 * Directories are created on first use with mode 0700, files with mode 0600 (both before the
 * umask). Anything else found under counters/ is not ours: readers skip it, listStoreFiles shows
 * it as `unknown`. Listings are sorted, so every command reports the store in the same order.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, ioError } from './errors.js';
import { parseProgramDirName, programDirName } from './encoding.js';
import type { ProgramId } from './types.js';
import { validWeekKey } from './week.js';

export const COUNTERS_DIR = 'counters';
export const NAMES_FILE = 'names.wdn';
export const WEEK_SUFFIX = '.wdc';
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Absolute path of a (normalized) program's directory. */
export function programPath(dir: string, id: ProgramId): string {
  return join(dir, COUNTERS_DIR, programDirName(id));
}

/** The file name of a week's increments: `2026-W48.wdc`. */
export function weekFileName(week: string): string {
  return week + WEEK_SUFFIX;
}

/** The week a file name holds, or null if it is not a week file. */
export function parseWeekFileName(f: string): string | null {
  if (!f.endsWith(WEEK_SUFFIX)) return null;
  const week = f.slice(0, -WEEK_SUFFIX.length);
  return validWeekKey(week) ? week : null;
}

/** A program directory found in the store. */
export interface ProgramDir {
  program: ProgramId;
  /** Absolute path. */
  path: string;
  /** Path relative to the store directory, with `/`: `counters/foo@1.0.0`. */
  rel: string;
}

/** The entries of a directory, sorted; [] if it does not exist. Other failures throw StoreError. */
function entries(path: string): { name: string; dir: boolean }[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .map((d) => ({ name: d.name, dir: d.isDirectory() }))
      .sort((a, b) => cmp(a.name, b.name));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw ioError('read directory', path, e);
  }
}

/** The program directories of the store, sorted by program name then version, and the foreign entries. */
export function programDirs(dir: string): { dirs: ProgramDir[]; others: string[] } {
  const root = join(dir, COUNTERS_DIR);
  const dirs: ProgramDir[] = [];
  const others: string[] = [];
  for (const e of entries(root)) {
    const program = e.dir ? parseProgramDirName(e.name) : null;
    if (program) dirs.push({ program, path: join(root, e.name), rel: `${COUNTERS_DIR}/${e.name}` });
    else others.push(e.name);
  }
  dirs.sort((a, b) => cmp(a.program.name, b.program.name) || cmp(a.program.version, b.program.version));
  return { dirs, others };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a program directory holds: whether names.wdn is there, its weeks (ascending), and foreign entries. */
export function programFiles(pd: ProgramDir): { names: boolean; weeks: string[]; others: string[] } {
  let names = false;
  const weeks: string[] = [];
  const others: string[] = [];
  for (const { name } of entries(pd.path)) {
    const week = parseWeekFileName(name);
    if (week) weeks.push(week);
    else if (name === NAMES_FILE) names = true;
    else others.push(name);
  }
  return { names, weeks, others };
}

/**
 * Reads whole files into one reusable buffer: open, one read() per 64 KiB or more, close, and no
 * allocation per file. After read() returns true, the file's bytes are `buf[0, length)`, valid
 * until the next read() on the same reader; bytes past `length` are stale.
 */
export class FileReader {
  buf = Buffer.allocUnsafe(1 << 16);
  length = 0;

  /** Reads the file; false if it does not exist (any more). Other failures throw the errno error. */
  read(path: string): boolean {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return false;
      throw e;
    }
    try {
      let n = 0;
      for (;;) {
        n += readSync(fd, this.buf, n, this.buf.length - n, null);
        // A short read of a regular file means end of file: no second read() needed.
        if (n < this.buf.length) {
          this.length = n;
          return true;
        }
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger);
        this.buf = bigger;
      }
    } finally {
      closeSync(fd);
    }
  }

}

/** A whole file in a buffer of its own, or null if it does not exist. Other failures throw the errno error. */
export function readWhole(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw e;
  }
}

/** One file of the store, for `watchdog env`. */
export interface StoreFile {
  /** Path relative to the store directory, with `/`: `counters/foo@1.0.0/2026-W48.wdc`. */
  path: string;
  /** `names`: names.wdn; `counts`: a week file; `unknown`: anything else under counters/. */
  kind: 'names' | 'counts' | 'unknown';
  /** The program and version of the directory, null for foreign entries. */
  program: string | null;
  version: string | null;
  /** The week of a counts file (`2026-W48`), else null. */
  week: string | null;
  /** Size in bytes (0 for a directory). */
  size: number;
}

/** Every file under <dir>/counters, sorted as the readers see them. Throws StoreError only for unreadable directories. */
export function listStoreFiles(dir: string): StoreFile[] {
  const out: StoreFile[] = [];
  const size = (path: string): number => {
    try {
      const s = statSync(path);
      return s.isFile() ? s.size : 0;
    } catch {
      return 0;
    }
  };
  const { dirs, others } = programDirs(dir);
  for (const pd of dirs) {
    const { names, weeks, others: foreign } = programFiles(pd);
    const base = { program: pd.program.name, version: pd.program.version };
    if (names) out.push({ path: `${pd.rel}/${NAMES_FILE}`, kind: 'names', ...base, week: null, size: size(join(pd.path, NAMES_FILE)) });
    for (const w of weeks) {
      const f = weekFileName(w);
      out.push({ path: `${pd.rel}/${f}`, kind: 'counts', ...base, week: w, size: size(join(pd.path, f)) });
    }
    for (const f of foreign) out.push({ path: `${pd.rel}/${f}`, kind: 'unknown', ...base, week: null, size: size(join(pd.path, f)) });
  }
  for (const e of others) {
    out.push({ path: `${COUNTERS_DIR}/${e}`, kind: 'unknown', program: null, version: null, week: null, size: size(join(dir, COUNTERS_DIR, e)) });
  }
  return out;
}
