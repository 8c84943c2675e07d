/**
 * Counting: openStore(dir).increment() adds to one counter of one program@version in the current
 * week's file.
 *
 * An increment is at most two appends, each a single write() of one whole record to a file opened
 * with O_APPEND: first the name's definition to names.wdn, only if no intact definition of it is
 * there yet, then the increment record to the week file. On a local file system a single O_APPEND
 * write of a small record is atomic against concurrent appenders, so concurrent processes never
 * lose or interleave each other's records. The definition goes first, so a reader that sees an
 * increment can find its name; a process killed between the two writes leaves only an unused
 * definition. Two processes defining the same name at once leave two identical definitions, which
 * readers collapse. Nothing is fsync'ed: a SIGKILL loses at most the record being written, a
 * power failure may lose what the OS had not yet written back.
 *
 * Caps: a week file counts at most MAX_NAMES_PER_WEEK distinct names besides `crash/overflow`,
 * and a program@version defines at most MAX_NAMES_PER_VERSION names. An increment of a name that
 * would pass a cap is counted as `crash/overflow` instead, which is always allowed, so later
 * crashes still show up. Concurrent increments may pass a cap by at most one name per process.
 *
 * Snapshots: a listing takes the weeks before the current one from a snapshot (summary.wds,
 * summary.ts) and looks neither at their files nor at the directory. So an increment that lands in
 * a week that is not the current one (its `now` is in another week, or the week ended while it was
 * being written) removes the snapshot, before the append when it knows and after it in any case.
 *
 * Cost: reading names.wdn (small: one record per distinct name), hashing one name, and the writes.
 * The week file is read only once the program@version has defined MAX_NAMES_PER_WEEK names.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeProgram } from './encoding.js';
import { StoreError, errnoCode, ioError } from './errors.js';
import { DIR_MODE, FILE_MODE, NAMES_FILE, programPath, readWhole, weekFileName } from './files.js';
import {
  Records,
  decodeCounts,
  MAX_DELTA,
  MAX_NAME_BYTES,
  NAME_MAGIC,
  NAME_MAGIC_BYTES,
  NAME_OVERHEAD,
  encodeCount,
  encodeName,
  padded,
  validName,
  word,
} from './format.js';
import { nameHash } from './hash.js';
import { storeDir } from './location.js';
import type { ProgramId } from './types.js';
import { dropSummary } from './summary.js';
import { weekKey } from './week.js';

/** Distinct names one week file may count, `crash/overflow` not included. */
export const MAX_NAMES_PER_WEEK = 1000;
/** Distinct names one program@version may define over all its weeks. */
export const MAX_NAMES_PER_VERSION = 10_000;
/** Where increments past a cap are counted. */
export const OVERFLOW_NAME = 'crash/overflow';

/** What increment() counted. */
export interface Increment {
  /** The program as stored: name and version cut to their bounds. */
  program: ProgramId;
  /** The name as counted: the given one (cut to MAX_NAME_BYTES), or OVERFLOW_NAME past a cap. */
  name: string;
  /** The week file's key, `2026-W48`. */
  week: string;
  /** Absolute path of the week file written. */
  file: string;
}

/** A store to count in. Opening touches nothing on disk; directories appear with the first increment. */
export interface CounterStore {
  /** The store directory. */
  readonly dir: string;
  /**
   * Adds `delta` (an integer from 1 to 2^32-1) to counter `name` of `program` in the week of
   * `now` (ISO week, UTC). Synchronous. Throws RangeError for a bad delta or date, StoreError when
   * the store cannot be written (permissions, full disk); never for what is already on disk.
   */
  increment(program: ProgramId, name: string, delta?: number, now?: Date): Increment;
}

/** The store at `dir` (default: storeDir(), i.e. WATCHDOG_DIR or the user's data directory). */
export function openStore(dir: string = storeDir()): CounterStore {
  return { dir, increment: (program, name, delta = 1, now = new Date()) => increment(dir, program, name, delta, now) };
}

function increment(dir: string, program: ProgramId, name: string, delta: number, now: Date): Increment {
  if (!Number.isInteger(delta) || delta < 1 || delta > MAX_DELTA) throw new RangeError(`delta must be an integer from 1 to ${MAX_DELTA}, got ${delta}`);
  if (!(now instanceof Date)) throw new RangeError('now must be a Date');
  const id = normalizeProgram(program);
  const week = weekKey(now);
  const pdir = programPath(dir, id);
  const namesFile = join(pdir, NAMES_FILE);
  const weekFile = join(pdir, weekFileName(week));

  let bytes = nameBytes(name);
  let hash = nameHash(bytes);
  let names: Buffer | null;
  try {
    names = readWhole(namesFile);
  } catch (e) {
    throw ioError('read', namesFile, e);
  }
  let { defined, records } = lookup(names, bytes, hash);
  let counted = bytes.toString('utf8'); // as stored: cut, lone surrogates replaced
  const overCap =
    counted !== OVERFLOW_NAME &&
    ((!defined && records >= MAX_NAMES_PER_VERSION) || (records >= MAX_NAMES_PER_WEEK && !weekAllows(weekFile, hash)));
  if (overCap) {
    counted = OVERFLOW_NAME;
    bytes = Buffer.from(OVERFLOW_NAME);
    hash = nameHash(bytes);
    defined = lookup(names, bytes, hash).defined;
  }
  if (!defined) append(namesFile, pdir, encodeName(bytes, hash));
  // A snapshot must not outlive an append to a week other than the current one (docs/store.md,
  // "Snapshots"): it stands for those weeks' files, and for which of them there are.
  const other = week !== weekKey(new Date());
  if (other) dropSummary(pdir);
  append(weekFile, pdir, encodeCount(hash, delta));
  if (other || week !== weekKey(new Date())) dropSummary(pdir);
  return { program: id, name: counted, week, file: weekFile };
}

/** The UTF-8 bytes of a name, cut at a character boundary to MAX_NAME_BYTES. */
function nameBytes(name: string): Buffer {
  const b = Buffer.from(String(name), 'utf8');
  if (b.length <= MAX_NAME_BYTES) return b;
  let end = MAX_NAME_BYTES;
  while ((b[end]! & 0xc0) === 0x80) end--; // back off continuation bytes
  return b.subarray(0, end);
}

/**
 * Whether names.wdn holds an intact definition of the name, and how many definitions it holds
 * (duplicates included, so an upper bound on distinct names). Walks record headers only and
 * verifies the check of a matching record alone, so it stays cheap for the cold code of a fresh
 * process. After damage it skips to the next magic; missing a definition that way only means
 * writing it again, which readers tolerate.
 */
function lookup(buf: Buffer | null, name: Uint8Array, hash: Uint8Array): { defined: boolean; records: number } {
  let defined = false;
  let records = 0;
  if (!buf) return { defined, records };
  const lo = word(hash, 0);
  const hi = word(hash, 4);
  let p = 0;
  while (p + NAME_OVERHEAD <= buf.length) {
    const n = word(buf, p + 4) >>> 0;
    if (word(buf, p) !== NAME_MAGIC || n > MAX_NAME_BYTES) {
      p = buf.indexOf(NAME_MAGIC_BYTES, p + 1);
      if (p < 0) break;
      continue;
    }
    records++;
    if (
      !defined &&
      n === name.length &&
      word(buf, p + 8) === lo &&
      word(buf, p + 12) === hi &&
      validName(buf, p, buf.length) > 0 && // intact, so its name bytes are all there
      buf.compare(name, 0, n, p + 16, p + 16 + n) === 0
    ) {
      defined = true;
    }
    p += NAME_OVERHEAD + padded(n);
  }
  return { defined, records };
}

/** Whether the week file may count the name: it already does, or counts fewer than the cap. */
function weekAllows(file: string, hash: Uint8Array): boolean {
  let buf: Buffer | null;
  try {
    buf = readWhole(file);
  } catch (e) {
    throw ioError('read', file, e);
  }
  if (!buf) return true;
  const lo = word(hash, 0);
  const hi = word(hash, 4);
  const overflow = nameHash(Buffer.from(OVERFLOW_NAME));
  const olo = word(overflow, 0);
  const ohi = word(overflow, 4);
  const seen = new Set<string>();
  const r = new Records();
  decodeCounts(buf, buf.length, r);
  for (let k = 0; k < r.n; k++) {
    const l = r.lo[k]!, h = r.hi[k]!;
    if (l === lo && h === hi) return true;
    if (l !== olo || h !== ohi) seen.add(`${l}:${h}`);
  }
  return seen.size < MAX_NAMES_PER_WEEK;
}

/** Appends one record with a single write(), creating the program directory on first use. */
function append(file: string, pdir: string, record: Buffer): void {
  let fd: number;
  try {
    fd = openSync(file, 'a', FILE_MODE);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw ioError('open', file, e);
    try {
      mkdirSync(pdir, { recursive: true, mode: DIR_MODE });
      fd = openSync(file, 'a', FILE_MODE);
    } catch (e2) {
      throw ioError('create', file, e2);
    }
  }
  try {
    const n = writeSync(fd, record);
    if (n !== record.length) throw new StoreError(`cannot write ${file}: short write (${n} of ${record.length} bytes)`, 'EIO', file);
  } catch (e) {
    throw e instanceof StoreError ? e : ioError('write', file, e);
  } finally {
    closeSync(fd);
  }
}
