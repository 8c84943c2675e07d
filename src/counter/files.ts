/**
 * The store's files on disk, and how to find and read them.
 *
 *   <dir>/counters/<enc(program)>@<enc(version)>/names.wdn     name definitions (format.ts)
 *   <dir>/counters/<enc(program)>@<enc(version)>/<YYYY>-W<ww>.wdc   increments of one ISO week
 *   <dir>/counters/<enc(program)>@<enc(version)>/summary.wds   snapshot of the closed weeks (summary.ts)
 *
 * Directories are created on first use with mode 0700, files with mode 0600 (both before the
 * umask). Anything else found under counters/ is not ours: readers skip it, listStoreFiles shows
 * it as `unknown`. Listings are sorted, so every command reports the store in the same order.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { errnoCode, ioError } from './errors.js';
import { parseProgramDirName, programDirName } from './encoding.js';
import type { ProgramId } from './types.js';
import { validWeekKey } from './week.js';

export const COUNTERS_DIR = 'counters';
export const NAMES_FILE = 'names.wdn';
export const WEEK_SUFFIX = '.wdc';
/** The snapshot of the closed weeks (summary.ts): a cache, never the only copy of a count. */
export const SUMMARY_FILE = 'summary.wds';
/** A snapshot being written: `summary.wds.<pid>.<random>.tmp`, renamed to SUMMARY_FILE when whole. */
export const SUMMARY_TEMP = /^summary\.wds\.\d+\.[0-9a-z]+\.tmp$/;
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
  let valid = VALID_WEEKS.get(week);
  if (valid === undefined) VALID_WEEKS.set(week, (valid = validWeekKey(week)));
  return valid ? week : null;
}
/** A listing meets the same few dozen week names in every program directory. */
const VALID_WEEKS = new Map<string, boolean>();

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
    // Concatenated, not join()ed: an entry name is one component, and join() normalizes the whole path.
    if (program) dirs.push({ program, path: root + sep + e.name, rel: `${COUNTERS_DIR}/${e.name}` });
    else others.push(e.name);
  }
  dirs.sort((a, b) => cmp(a.program.name, b.program.name) || cmp(a.program.version, b.program.version));
  return { dirs, others };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a program directory holds. */
export interface ProgramFiles {
  /** Whether names.wdn is there. */
  names: boolean;
  /** Its weeks, ascending. */
  weeks: string[];
  /** Whether summary.wds is there, and temporary snapshot files. */
  summary: boolean;
  summaryTemps: string[];
  /** Entries that are not the store's. */
  others: string[];
}

/** What a program directory holds. */
export function programFiles(pd: ProgramDir): ProgramFiles {
  let names = false;
  let summary = false;
  const weeks: string[] = [];
  const summaryTemps: string[] = [];
  const others: string[] = [];
  let list: string[];
  try {
    list = readdirSync(pd.path).sort(); // names only, no stat per entry; code-unit order
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw ioError('read directory', pd.path, e);
    list = [];
  }
  for (const name of list) {
    const week = parseWeekFileName(name);
    if (week) weeks.push(week);
    else if (name === NAMES_FILE) names = true;
    else if (name === SUMMARY_FILE) summary = true;
    else if (SUMMARY_TEMP.test(name)) summaryTemps.push(name);
    else others.push(name);
  }
  return { names, weeks, summary, summaryTemps, others };
}

/**
 * Reads whole files into one reusable buffer: open, one read() per 64 KiB or more, close, and no
 * allocation per file. After read() returns true, the file's bytes are `buf[0, length)`, valid
 * until the next read() on the same reader; bytes past `length` are stale.
 */
export class FileReader {
  length = 0;

  constructor(public buf: Buffer = Buffer.allocUnsafe(1 << 16)) {}

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
      this.readFrom(fd, -1);
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /** Reads open file `fd` from byte `position` to its end (from where it is for -1). */
  readFrom(fd: number, position: number): void {
    let n = 0;
    for (;;) {
      n += readSync(fd, this.buf, n, this.buf.length - n, position < 0 ? null : position + n);
      // A short read of a regular file means end of file: no second read() needed.
      if (n < this.buf.length) {
        this.length = n;
        return;
      }
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger);
      this.buf = bigger;
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
  /** `names`: names.wdn; `counts`: a week file; `summary`: summary.wds or one being written; `unknown`: anything else under counters/. */
  kind: 'names' | 'counts' | 'summary' | 'unknown';
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
    const { names, weeks, summary, summaryTemps, others: foreign } = programFiles(pd);
    const base = { program: pd.program.name, version: pd.program.version };
    if (names) out.push({ path: `${pd.rel}/${NAMES_FILE}`, kind: 'names', ...base, week: null, size: size(join(pd.path, NAMES_FILE)) });
    for (const w of weeks) {
      const f = weekFileName(w);
      out.push({ path: `${pd.rel}/${f}`, kind: 'counts', ...base, week: w, size: size(join(pd.path, f)) });
    }
    for (const f of summary ? [SUMMARY_FILE, ...summaryTemps] : summaryTemps) {
      out.push({ path: `${pd.rel}/${f}`, kind: 'summary', ...base, week: null, size: size(join(pd.path, f)) });
    }
    for (const f of foreign) out.push({ path: `${pd.rel}/${f}`, kind: 'unknown', ...base, week: null, size: size(join(pd.path, f)) });
  }
  for (const e of others) {
    out.push({ path: `${COUNTERS_DIR}/${e}`, kind: 'unknown', program: null, version: null, week: null, size: size(join(dir, COUNTERS_DIR, e)) });
  }
  return out;
}
