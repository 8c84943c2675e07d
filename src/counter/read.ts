/**
 * Reading: readStore() sums the store's increments per (program, version, week, name);
 * readTotals() sums them per (program, version, name) over the weeks read, which is what the
 * listing commands show and costs one object per counter instead of one per counter and week;
 * readTopTotals() gives the most frequent of them, decoding only the names it returns.
 *
 * Neither throws on damaged data. Every intact record is counted; damaged bytes are skipped
 * (format.ts resynchronises at the next valid record) and reported as one line per file in
 * `damage`. An increment whose hash has no intact definition in names.wdn is counted under
 * UNKNOWN_NAME and reported on names.wdn's line, so totals stay right when a definition is lost.
 * Only I/O failures on the store's directories throw (StoreError); an unreadable file is reported
 * in `damage` and skipped.
 *
 * Ordering invariant: a writer appends a definition before any increment that uses it, so
 * names.wdn must be read again after the week files whenever an increment's name was not found:
 * the definition may have been appended after the first read.
 *
 * Snapshots (summary.ts; with the `summaries` option). A program@version whose summary.wds is
 * intact and describes its files is read on the fast path (fastScan): the snapshot's totals are
 * taken over with typed-array copies, and only what was appended since to the current week's file
 * and to names.wdn is read; names are checked and decoded only when shown (Names.name). Otherwise
 * the slow path (slowScan) reads week by week, closed weeks from the snapshot's per-week sums where
 * it has them, and writes a new snapshot when the one there is missing or stale. Either way the
 * result is what reading the files gives, damage lines included; a snapshot that turns out not to
 * match is ignored and written again.
 *
 * Speed (docs/store.md has numbers): one reusable buffer for week files and one read() per file;
 * the inner loop (format.ts sumCounts) reads aligned words, maps the 8-byte hash to a small index
 * through a typed-array hash table, and skips the check of a record identical to one it verified;
 * per week a Float64Array of sums; names decoded once per program@version. The hot loops are
 * small functions called once per file, so V8 optimizes them after a few files.
 */
import { sep } from 'node:path';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { reason } from './errors.js';
import { FileReader, NAMES_FILE, SUMMARY_FILE, programDirs, programFiles, weekFileName, type ProgramDir, type ProgramFiles } from './files.js';
import { MAX_NAME_BYTES, NAME_OVERHEAD, Records, decodeCounts, decodeNames, describeDamage, sumCounts, validName, word } from './format.js';
import { closeSummary, count2, dropSummary, encodeSummary, headWords, loadSummary, removeStaleTemps, summaryEntries, writeSummary, type Summary, type SummaryWeekContent } from './summary.js';
import { HashIndex } from './table.js';
import type { CounterRow, CounterTotal, ProgramId } from './types.js';
import { weekKey, weekStart } from './week.js';

/** Where increments without an intact definition are counted. */
export const UNKNOWN_NAME = 'crash/unknown-name';
/**
 * Its hash (hash.ts nameHash) as two words: a constant, so that the listing commands do not carry
 * SHA-256 for it (test/counter/summary.test.ts checks it).
 */
export const UNKNOWN_HASH_LO = 265864904;
export const UNKNOWN_HASH_HI = 1544716139;

export interface ReadOptions {
  /** Only this program: its name (`@scope/tool`), or `name@version`. */
  program?: string;
  /** Only the week containing this moment and later weeks. */
  since?: Date;
}

export interface TotalsOptions extends ReadOptions {
  /**
   * Take what each program@version's snapshot (summary.wds) holds where it is valid, and write
   * the snapshot where it is missing or stale and the directory is writable. The results are the
   * same either way. Off by default: the library reads the week files themselves.
   */
  summaries?: boolean;
}

export interface TopOptions extends TotalsOptions {
  /** Only names starting with this. */
  prefix?: string;
  /** At most this many totals; all when undefined. */
  limit?: number;
}

export interface StoreContents {
  /**
   * One row per (program, version, week, name) with a count > 0: grouped by program (sorted by
   * name, then version), weeks ascending, within a week names in the order names.wdn defines them.
   */
  rows: CounterRow[];
  /** One line per damaged or unreadable file: `counters/foo@1.0/2026-W48.wdc: skipped 3 damaged bytes at offset 120`. */
  damage: string[];
}

export interface StoreTotals {
  /** One entry per (program, version, name) with a count > 0, programs sorted as in readStore, names in first-counted order. */
  totals: CounterTotal[];
  /** As in readStore. */
  damage: string[];
}

export interface TopTotals {
  /** The most frequent totals, most frequent first, then by program, version and name (code-unit order). */
  totals: CounterTotal[];
  /** How many more totals there are (with the prefix) than `totals` holds. */
  more: number;
  /** As in readStore. */
  damage: string[];
}

/** Reads the counters of the store at `dir`, per week. A missing store is an empty one. */
export function readStore(dir: string, options: ReadOptions = {}): StoreContents {
  const rows: CounterRow[] = [];
  const damage = scanStore(dir, options, context(false, false), () => new RowSink(rows));
  return { rows, damage };
}

/** Reads the counters of the store at `dir`, summed over the selected weeks. */
export function readTotals(dir: string, options: TotalsOptions = {}): StoreTotals {
  return withSummaries(options, (ctx) => {
    const programs: ProgramTotals[] = [];
    try {
      const damage = scanStore(dir, options, ctx, () => new TotalSink(programs));
      const totals: CounterTotal[] = [];
      for (const p of programs) for (const i of p.order) totals.push(p.total(i));
      return { totals, damage };
    } finally {
      for (const p of programs) p.names.close();
    }
  });
}

/**
 * The `limit` most frequent totals (all when undefined) of names starting with `prefix`, sorted,
 * and how many others there are. With a limit only the names returned (and ties at the limit) are
 * decoded, which is what makes a listing of the top few cheap.
 */
export function readTopTotals(dir: string, options: TopOptions = {}): TopTotals {
  return withSummaries(options, (ctx) => {
    const programs: ProgramTotals[] = [];
    try {
      const damage = scanStore(dir, options, ctx, () => new TotalSink(programs));
      const { totals, more } = selectTop(programs, options.prefix ?? '', options.limit);
      return { totals, more, damage };
    } finally {
      for (const p of programs) p.names.close();
    }
  });
}

/** Thrown when a snapshot turns out not to describe the files (a definition it points at is not there). */
class SummaryMismatch extends Error {}

/** Runs `read`, and again without trusting the snapshots if one of them turned out not to match. */
function withSummaries<T>(options: TotalsOptions, read: (ctx: Context) => T): T {
  if (!options.summaries) return read(context(false, false));
  try {
    return read(context(true, true));
  } catch (e) {
    if (!(e instanceof SummaryMismatch)) throw e;
    return read(context(false, true));
  }
}

/** How a scan uses snapshots, and its clock. */
interface Context {
  /** Read snapshots. */
  use: boolean;
  /** Write missing or stale ones. */
  write: boolean;
  now: number;
  /** The current week: earlier ones are closed. And when it started (ms). */
  current: string;
  currentStart: number;
}

function context(use: boolean, write: boolean): Context {
  const now = Date.now();
  const current = weekKey(new Date(now));
  return { use, write, now, current, currentStart: weekStart(current)!.getTime() };
}

/**
 * A snapshot is written again, on the slow path, once this much has been appended to the current
 * week or to names.wdn since it was taken: listings then stay on the fast path with short tails.
 */
const REFRESH_BYTES = 32 * 1024;

function scanStore(dir: string, options: ReadOptions, ctx: Context, sink: () => Sink): string[] {
  const from = sinceKey(options.since);
  const damage: string[] = [];
  const readers = (shared ??= { counts: new FileReader(), names: new FileReader(), records: new Records() });
  for (const pd of programDirs(dir).dirs) {
    const { name, version } = pd.program;
    if (options.program !== undefined && options.program !== name && options.program !== `${name}@${version}`) continue;
    const mark = damage.length;
    // The fast path first: a fresh snapshot tells which week files there are, no listing needed.
    let s: Summary | null = null;
    try {
      s = ctx.use ? loadSummary(pd.path + sep + SUMMARY_FILE) : null;
      if (s !== null && fastFits(s, ctx) && fastScan(pd, s, from, readers, damage, sink, ctx)) continue;
    } catch (e) {
      if (!(e instanceof SummaryMismatch)) throw e;
      damage.length = mark;
      if (s !== null) closeSummary(s);
      s = null;
    }
    const files = programFiles(pd);
    const selected = from === null ? files.weeks : files.weeks.filter((w) => w >= from);
    if (selected.length === 0) {
      if (s !== null) closeSummary(s);
      continue;
    }
    try {
      scanProgram(pd, files, selected, readers, damage, sink, ctx, s);
    } catch (e) {
      if (!(e instanceof SummaryMismatch)) throw e;
      damage.length = mark;
      scanProgram(pd, files, selected, readers, damage, sink, ctx, null);
    }
  }
  return damage;
}

/** Reusable buffers for week files and names.wdn, and one record list. */
interface Readers {
  counts: FileReader;
  names: FileReader;
  records: Records;
}
/** Kept from one scan to the next: nothing read into them outlives the scan. */
let shared: Readers | undefined;

function sinceKey(since: Date | undefined): string | null {
  if (since === undefined) return null;
  if (!(since instanceof Date) || !Number.isFinite(since.getTime())) throw new RangeError('since: invalid date');
  const year = since.getUTCFullYear();
  if (year < 1000) return null;
  if (year > 9999) return '~'; // sorts after every week key
  return weekKey(since);
}

/** Where a definition is read into when a name from a snapshot is decoded: the largest record fits. */
const DEF_BUF = Buffer.allocUnsafe(NAME_OVERHEAD + MAX_NAME_BYTES + 4);

/** The names of one program directory, indexed by hash. */
class Names {
  readonly index = new HashIndex();
  /**
   * Name by index: the name once decoded; null while an increment's hash has no definition;
   * undefined for a definition a snapshot gave, not read yet.
   */
  readonly list: (string | null | undefined)[] = [];
  /** Byte offset of each index's definition in names.wdn, -1 if none (grown by `room`; slow path). */
  def = new Int32Array(64);
  /** The snapshot the names came from (fast path): its definitions part and hash table, taken when needed. */
  private snap: Summary | null = null;
  private indexed = true;
  /** First 8 bytes of the names below `heads` (from the snapshot), two words each. */
  private head: Int32Array | null = null;
  private heads = 0;
  /** The first bytes every name the snapshot counted starts with: as head words, and how many. */
  private common = { p0: 0, p1: 0, length: 0 };
  /** names.wdn, and a descriptor on it while definitions may still be read from it. */
  readonly file: string;
  private fd = -1;
  /** Bytes of names.wdn read (all of them at the last load), and its last word. */
  size = 0;
  last = 0;
  /** What was wrong with names.wdn at the last load, '' if nothing. */
  damage = '';
  /** Whether names.wdn was there and intact at the last load. */
  intact = false;
  /** Indices given to hashes without a definition, and the increments counted under each. */
  readonly placeholders: number[] = [];
  readonly unnamed: number[] = [];

  constructor(file: string) {
    this.file = file;
  }

  private room(n: number): void {
    if (n <= this.def.length) return;
    const def = new Int32Array(Math.max(64, this.def.length * 2, n));
    def.set(this.def);
    this.def = def;
  }

  private add(lo: number, hi: number, name: string | null, def: number): number {
    this.lookups();
    const i = this.list.length;
    this.room(i + 1);
    this.index.add(lo, hi, i);
    this.list.push(name);
    this.def[i] = def;
    if (name === null) {
      this.placeholders.push(i);
      this.unnamed.push(0);
    }
    return i;
  }

  /**
   * Takes the names of a snapshot (before anything else): index i of the snapshot is index i
   * here, its name read from names.wdn when asked for. Its hash table is taken over only when a
   * hash has to be looked up.
   */
  fromSummary(s: Summary): void {
    this.snap = s;
    this.indexed = false;
    this.head = s.heads;
    this.heads = s.n;
    this.common = { p0: s.common0, p1: s.common1, length: s.commonLength };
    this.list.length = s.n; // holes read as undefined: defined, not read yet
    const nl = s.nameless;
    for (let k = 0; k < nl.length; k++) {
      const i = nl[k]!;
      this.list[i] = null;
      this.placeholders.push(i);
      this.unnamed.push(0);
    }
  }

  /** Makes `index` usable: takes over the snapshot's hash table the first time. */
  lookups(): void {
    if (this.indexed) return;
    const t = this.snap!.table();
    if (t === null || !this.index.adopt(t.lo, t.hi, t.val, this.snap!.n)) throw new SummaryMismatch();
    this.indexed = true;
  }

  /** For a snapshot whose names are not used: its index to ours, by hash. */
  mapSummary(s: Summary): Int32Array {
    const d = s.defs();
    if (d === null) throw new SummaryMismatch();
    const map = new Int32Array(s.n);
    for (let i = 0; i < s.n; i++) {
      const j = this.index.get(d.lo[i]!, d.hi[i]!);
      map[i] = j >= 0 ? j : this.placeholder(d.lo[i]!, d.hi[i]!);
    }
    return map;
  }

  /** Reads names.wdn whole and adds the definitions not yet known. */
  load(reader: FileReader, r: Records): void {
    let found: boolean;
    try {
      found = reader.read(this.file);
    } catch (e) {
      this.damage = `unreadable (${reason(e)})`;
      this.intact = false;
      return;
    }
    if (!found) {
      this.damage = 'missing';
      this.intact = false;
      return;
    }
    this.decode(reader.buf, 0, reader.length, 0, r);
  }

  /**
   * Reads names.wdn from byte `from` on, where a snapshot stopped, and adds the definitions found
   * there; the descriptor stays open for the snapshot's definitions. False if the file does not
   * end its first `from` bytes with `last` (shorter, or not the file summarised).
   */
  loadFrom(from: number, last: number, reader: FileReader, r: Records): boolean {
    try {
      if (this.fd < 0) this.fd = openSync(this.file, 'r');
      reader.readFrom(this.fd, from - 4);
    } catch {
      return false;
    }
    if (reader.length < 4 || word(reader.buf, 0) !== last) return false;
    if (reader.length === 4) {
      // Nothing appended since: intact as far as the snapshot saw.
      this.size = from;
      this.last = last;
      this.damage = '';
      this.intact = true;
      return true;
    }
    this.lookups();
    this.decode(reader.buf, 4, reader.length, from - 4, r);
    return true;
  }

  /** Decodes the definitions in `b[at, end)`, which are names.wdn's bytes from `base + at` on. */
  private decode(b: Buffer, at: number, end: number, base: number, r: Records): void {
    const tail = at === 0 ? b : b.subarray(at, end);
    const len = end - at;
    decodeNames(tail, len, r);
    this.index.reserve(this.list.length + r.n);
    // ASCII names (the usual case) are cut from one decoding of the whole tail: no copy each.
    const text = r.n > 0 ? tail.toString('latin1', 0, len) : '';
    const from = base + at;
    for (let k = 0; k < r.n; k++) {
      const i = this.index.get(r.lo[k]!, r.hi[k]!);
      if (i >= 0 && this.list[i] !== null) continue; // a duplicate definition
      const start = r.offset[k]! + 16;
      const stop = start + r.value[k]!;
      const name = r.ascii[k] ? text.slice(start, stop) : tail.toString('utf8', start, stop);
      if (i < 0) {
        this.add(r.lo[k]!, r.hi[k]!, name, from + r.offset[k]!);
      } else {
        this.list[i] = name;
        this.def[i] = from + r.offset[k]!;
      }
    }
    if (from > 0) for (let d = 0; d < r.damage.length; d += 2) r.damage[d] = r.damage[d]! + from;
    r.end = from + len;
    this.size = from + len;
    this.last = end >= 4 ? word(b, end - 4) : 0;
    this.damage = describeDamage(r);
    this.intact = this.damage === '';
  }

  /** The name of index i, reading and checking a snapshot's definition the first time. */
  name(i: number): string {
    const n = this.list[i];
    if (typeof n === 'string') return n;
    const d = this.snap?.defs();
    if (n === null || i >= this.heads || !d) throw new SummaryMismatch();
    let got = 0;
    try {
      if (this.fd < 0) this.fd = openSync(this.file, 'r');
      got = readSync(this.fd, DEF_BUF, 0, DEF_BUF.length, d.def[i]!);
    } catch {
      throw new SummaryMismatch();
    }
    const b = DEF_BUF;
    if (validName(b, 0, got) === 0 || word(b, 8) !== d.lo[i] || word(b, 12) !== d.hi[i]) throw new SummaryMismatch();
    const s = b.toString('utf8', 16, 16 + (word(b, 4) >>> 0));
    this.list[i] = s;
    return s;
  }

  /** Closes names.wdn, but not the snapshot: the caller goes on with it. */
  release(): void {
    this.snap = null;
    this.close();
  }

  /** Closes names.wdn, and the snapshot the names came from. */
  close(): void {
    if (this.snap !== null) closeSummary(this.snap);
    this.snap = null;
    if (this.fd < 0) return;
    try {
      closeSync(this.fd);
    } catch {
      // nothing to do
    }
    this.fd = -1;
  }

  /**
   * The indices of `ids` whose names start with `prefix`. Names a snapshot gave are compared by
   * their first 8 bytes when `prefix` is that short and ASCII (an ASCII prefix of the bytes is one
   * of the decoded text, and only that), so listing the top few of thousands of names reads and
   * decodes only those few.
   */
  withPrefix(ids: ArrayLike<number> & Iterable<number>, prefix: string): ArrayLike<number> {
    if (prefix === '') return ids;
    const len = prefix.length;
    if (len > 8 || !/^[\x01-\x7f]+$/.test(prefix) || this.heads === 0) return [...ids].filter((i) => this.name(i).startsWith(prefix));
    // The prefix's bytes as the two little-endian words of a head, and which of their bytes count.
    let p0 = 0;
    let p1 = 0;
    for (let k = 0; k < len; k++) {
      if (k < 4) p0 |= prefix.charCodeAt(k) << (8 * k);
      else p1 |= prefix.charCodeAt(k) << (8 * (k - 4));
    }
    const m0 = len >= 4 ? -1 : (1 << (8 * len)) - 1;
    const m1 = len >= 8 ? -1 : len <= 4 ? 0 : (1 << (8 * (len - 4))) - 1;
    const others: number[] = [];
    const out = headMatches(ids, this.head!, this.heads, p0, p1, m0, m1, others);
    // Names decoded already, or not from the snapshot, are compared as text.
    for (const i of others) if (this.name(i).startsWith(prefix)) out.push(i);
    return out;
  }

  /** Whether every name the snapshot counted starts with `prefix` (known from their common first bytes). */
  allMatch(prefix: string): boolean {
    const len = prefix.length;
    if (len === 0) return true;
    if (len > this.common.length || !/^[\x01-\x7f]+$/.test(prefix)) return false;
    let p0 = 0;
    let p1 = 0;
    for (let k = 0; k < len; k++) {
      if (k < 4) p0 |= prefix.charCodeAt(k) << (8 * k);
      else p1 |= prefix.charCodeAt(k) << (8 * (k - 4));
    }
    const m0 = len >= 4 ? -1 : (1 << (8 * len)) - 1;
    const m1 = len >= 8 ? -1 : len <= 4 ? 0 : (1 << (8 * (len - 4))) - 1;
    return (this.common.p0 & m0) === p0 && (this.common.p1 & m1) === p1;
  }

  /** First 8 bytes of every name, for a new snapshot (slow path: every name is decoded). */
  headsFor(n: number): { head0: Int32Array; head1: Int32Array } {
    const head0 = new Int32Array(n);
    const head1 = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const name = this.list[i];
      if (typeof name === 'string') [head0[i], head1[i]] = headWords(name);
    }
    return { head0, head1 };
  }

  /** The index of a hash that has no definition yet. */
  placeholder(lo: number, hi: number): number {
    return this.add(lo, hi, null, -1);
  }

  /** Tallies a week's sums of the placeholder indices. */
  tally(acc: Float64Array, top: number): void {
    for (let j = 0; j < this.placeholders.length; j++) {
      const i = this.placeholders[j]!;
      if (i < top) this.unnamed[j] = this.unnamed[j]! + acc[i]!;
    }
  }

  /** Whether some increments have no definition yet. */
  unresolved(): boolean {
    return this.placeholders.some((i, j) => this.list[i] === null && this.unnamed[j]! > 0);
  }

  /**
   * After the last load: sends every index still without a name to UNKNOWN_NAME's index (added
   * if needed, shared with a real definition of that name). Describes them, or '' if none.
   */
  resolve(): { canon: Int32Array | null; what: string } {
    let missing = 0;
    let increments = 0;
    this.placeholders.forEach((i, j) => {
      if (this.list[i] === null && this.unnamed[j]! > 0) {
        missing++;
        increments += this.unnamed[j]!;
      }
    });
    if (missing === 0) return { canon: null, what: '' };
    this.lookups();
    let u = this.index.get(UNKNOWN_HASH_LO, UNKNOWN_HASH_HI);
    if (u < 0) u = this.add(UNKNOWN_HASH_LO, UNKNOWN_HASH_HI, UNKNOWN_NAME, -1);
    this.list[u] = UNKNOWN_NAME;
    const canon = new Int32Array(this.list.length);
    for (let i = 0; i < canon.length; i++) canon[i] = this.list[i] === null ? u : i;
    const s = (n: number): string => (n === 1 ? '' : 's');
    return { canon, what: `no definition for ${missing} name${s(missing)} used by ${increments} increment${s(increments)}, counted as ${UNKNOWN_NAME}` };
  }
}

/**
 * The ids whose snapshot heads match (head & mask === prefix word); ids past the snapshot's names,
 * and those it had no name for (a zero head: defined since, or never), go to `others`, for the
 * caller to compare as text. A head is right whether or not the name has been decoded since. One
 * small loop: it runs over every counted name of every program.
 */
function headMatches(ids: ArrayLike<number>, head: Int32Array, heads: number, p0: number, p1: number, m0: number, m1: number, others: number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < ids.length; k++) {
    const i = ids[k]!;
    if (i < heads && (head[2 * i]! | head[2 * i + 1]!) !== 0) {
      if ((head[2 * i]! & m0) === p0 && (head[2 * i + 1]! & m1) === p1) out.push(i);
    } else {
      others.push(i);
    }
  }
  return out;
}

/** Where a program directory's sums go, week by week. */
interface Sink {
  /** Called once before the weeks: the program and its week keys (ascending). */
  start(program: ProgramId, weeks: string[]): void;
  /** The sums of week `w` by name index in `acc[0, top)`; must leave `acc[0, top)` zeroed. */
  week(w: number, acc: Float64Array, top: number): void;
  /**
   * The totals of a snapshot whose weeks are weeks 0 to (its weeks - 1) here and whose name
   * indices are ours; called first. Only TotalSink takes it.
   */
  summary?(s: Summary): void;
  /** Called once at the end: the names, and where each index is reported (canon[i] !== i for nameless ones). */
  finish(names: Names, canon: Int32Array | null): void;
}

/**
 * Reads one program directory into `sink`: on the fast path when its snapshot is fresh and covers
 * every selected week but the current week's tail, else on the slow path. Throws SummaryMismatch,
 * before anything reached `sink`'s output, when the snapshot turns out not to match.
 */
function scanProgram(pd: ProgramDir, files: ProgramFiles, weeks: string[], readers: Readers, damage: string[], sinkOf: () => Sink, ctx: Context, summary: Summary | null): void {
  const closed = files.weeks.filter((w) => w < ctx.current);
  let s = summary;
  try {
    if (s !== null && !describesFiles(s, files.weeks, ctx)) {
      closeSummary(s);
      s = null;
    }
    slowScan(pd, files, weeks, closed, s, readers, damage, sinkOf(), ctx);
  } finally {
    if (s !== null) closeSummary(s);
  }
}

/**
 * Whether a snapshot can stand for the files: taken in the past, every closed week it covers still
 * there and before the current week, its open week still there and not after the current week.
 */
function describesFiles(s: Summary, weeks: readonly string[], ctx: Context): boolean {
  if (s.created > ctx.now) return false; // the clock went back: what is closed may have changed
  let j = 0;
  const list = s.weeks();
  for (let k = 0; k < list.length; k++) {
    const key = list[k]!.key;
    if (k > 0 && key <= list[k - 1]!.key) return false;
    if (key > ctx.current || (key === ctx.current && !(s.open !== null && k === list.length - 1))) return false;
    while (j < weeks.length && weeks[j]! < key) j++;
    if (j === weeks.length || weeks[j] !== key) return false; // removed
  }
  return true;
}

/** The weeks a snapshot covers that are closed (all but its open week). */
function closedOf(s: Summary): number {
  return s.open === null ? s.weekCount : s.weekCount - 1;
}

/**
 * Whether the fast path applies: the snapshot was taken this week (so its open week, if any, is
 * the current week), with names.wdn intact. Then its weeks are the directory's week files but the
 * current week's: a week file other than the current week's is only ever created or appended to
 * with the snapshot removed (store.ts), and a snapshot is not written while the directory has
 * weeks after the current one. (Taken last week, it would not know of a file that week got after
 * it was taken.)
 */
function fastFits(s: Summary, ctx: Context): boolean {
  if (s.created > ctx.now || s.created < ctx.currentStart || s.namesSize === 0 || closedOf(s) === 0) return false;
  return s.open === null || s.open.key === ctx.current;
}

/**
 * The fast path, for a snapshot that fastFits(): its totals taken over, then what was appended to
 * the current week's file and to names.wdn since (the whole current week if it had none of it).
 * With `from` past its first week (--since), its per-week sums of the weeks selected instead, and
 * the current week's file whole. Returns false, having touched nothing but `s` stays open, when
 * the tails are long enough that the snapshot should be written again (the slow path does that);
 * on success `s` belongs to the names in the sink's output, which read its definitions when a name
 * is shown. Throws SummaryMismatch when the files are not what it summarised.
 */
function fastScan(pd: ProgramDir, s: Summary, from: string | null, readers: Readers, damage: string[], sinkOf: () => Sink, ctx: Context): boolean {
  const nClosed = closedOf(s);
  // The first selected week the snapshot has sums of; nClosed when none.
  let first = 0;
  if (from !== null) while (first < nClosed && s.keys.slice(8 * first, 8 * first + 8) < from) first++;
  const whole = first === 0;
  const open = s.open;
  const sink = sinkOf();
  if (sink.summary === undefined) return false;
  const r = readers.records;
  const reader = readers.counts;
  const currentFile = pd.path + sep + weekFileName(ctx.current);
  // The current week: past the snapshot's end of it (whole if it has none of it, or for --since).
  let base = 0;
  let curRead = false;
  if (from === null || from <= ctx.current) {
    if (open !== null) {
      base = open.size;
      let fd = -1;
      try {
        fd = openSync(currentFile, 'r');
        reader.readFrom(fd, base - 4);
      } catch {
        throw new SummaryMismatch();
      } finally {
        if (fd >= 0) closeSync(fd);
      }
      if (reader.length < 4 || word(reader.buf, 0) !== open.last) throw new SummaryMismatch();
      curRead = true;
    } else {
      try {
        curRead = reader.read(currentFile);
      } catch {
        return false; // unreadable: the slow path says so
      }
    }
  }
  const tail = !curRead ? 0 : open !== null ? reader.length - 4 : reader.length;
  const weeks: string[] = [];
  for (let k = first; k < nClosed; k++) weeks.push(s.keys.slice(8 * k, 8 * k + 8));
  const cur = weeks.length;
  if (curRead) weeks.push(ctx.current);
  if (weeks.length === 0) {
    closeSummary(s); // nothing selected: nothing read, nothing to report
    return true;
  }
  const names = new Names(pd.path + sep + NAMES_FILE);
  try {
    // names.wdn past the snapshot.
    names.fromSummary(s);
    if (!names.loadFrom(s.namesSize, s.namesLast, readers.names, r)) throw new SummaryMismatch();
    const namesTail = names.size - s.namesSize;
    if (ctx.write && whole && (namesTail > REFRESH_BYTES || tail > REFRESH_BYTES)) return names.release(), false;

    sink.start(pd.program, weeks);
    const sums = new Sums();
    if (whole) {
      sink.summary(s);
      if (s.damaged > 0) for (const wk of s.weeks().slice(0, nClosed)) if (wk.damage) damage.push(`${pd.rel}/${weekFileName(wk.key)}: ${wk.damage}`);
      for (let j = 0; j < names.placeholders.length; j++) {
        const i = names.placeholders[j]!;
        if (i < s.n) names.unnamed[j] = names.unnamed[j]! + s.count[i]!;
      }
    } else {
      // --since: the snapshot's sums of each selected week (the open week's as far as it went),
      // by its own name indices (ours), then the current week's tail below.
      const upTo = s.weekCount;
      const entries = summaryEntries(s, first, upTo);
      if (entries === null) throw new SummaryMismatch();
      const list = s.weeks();
      for (let k = first; k < upTo; k++) {
        const wk = list[k]!;
        sums.fit(s.n);
        let top = addEntries(entries.words, entries.blocks[k - first]!, wk.entries, s.n, null, sums.acc);
        if (wk.damage) damage.push(`${pd.rel}/${weekFileName(wk.key)}: ${wk.damage}`);
        if (k === nClosed && tail > 0) {
          // The open week goes on in its file: what was appended since joins its sums.
          names.lookups();
          top = Math.max(top, countInto(reader.buf.subarray(4, 4 + tail), tail, names, sums, r));
          const d = describeShifted(r, base, base + tail);
          if (d) damage.push(`${pd.rel}/${weekFileName(ctx.current)}: ${d}`);
        }
        if (names.placeholders.length > 0) names.tally(sums.acc, top);
        sink.week(k - first, sums.acc, top);
      }
    }
    if (tail > 0 && (whole || open === null)) {
      // The current week's reader still holds what was read of it above.
      names.lookups();
      const at = open !== null ? 4 : 0;
      const top = countInto(reader.buf.subarray(at, at + tail), tail, names, sums, r);
      const d = describeShifted(r, base, base + tail);
      if (d) damage.push(`${pd.rel}/${weekFileName(ctx.current)}: ${d}`);
      if (names.placeholders.length > 0) names.tally(sums.acc, top);
      sink.week(cur, sums.acc, top);
    }
    finishProgram(pd, names, damage, sink, () => {
      if (!names.loadFrom(s.namesSize, s.namesLast, readers.names, r)) throw new SummaryMismatch();
    });
    return true;
  } catch (e) {
    names.close();
    throw e;
  }
}

/**
 * Adds `n` snapshot entries (index, sum lo, hi) from `e[at]` to `acc`, through `map` when the
 * indices are not ours; returns 1 + the highest index added to. A function of its own, small: a
 * loop V8 gets hot on, inlined in a big function, had V8 compile all of it for 30 ms, and the
 * process waits for that at exit.
 */
function addEntries(e: Int32Array, at: number, n: number, nNames: number, map: Int32Array | null, acc: Float64Array): number {
  let top = 0;
  for (let j = at, end = at + 3 * n; j < end; j += 3) {
    let i = e[j]!;
    if (i >>> 0 >= nNames) throw new SummaryMismatch();
    if (map !== null) i = map[i]!;
    acc[i] = acc[i]! + (e[j + 1]! >>> 0) + (e[j + 2]! >>> 0) * 0x100000000;
    if (i >= top) top = i + 1;
  }
  return top;
}

/**
 * A week's sums by name index (`acc`, left zeroed by the sink), and for each index the delta and
 * check of a record known intact (`seen`, see format.ts sumCounts), grown to the names' number.
 */
class Sums {
  acc = new Float64Array(64);
  seen = new Int32Array(128);

  fit(n: number): void {
    if (n <= this.acc.length) return;
    const acc = new Float64Array(Math.max(this.acc.length * 2, n));
    acc.set(this.acc);
    const seen = new Int32Array(2 * acc.length);
    seen.set(this.seen);
    this.acc = acc;
    this.seen = seen;
  }
}

/**
 * Adds the increments in `b[0, end)` to `sums` by name index, giving hashes without a definition
 * a placeholder index. Leaves the records past the fast loop and the damage in `r`. Returns 1 +
 * the highest index added to.
 */
function countInto(b: Buffer, end: number, names: Names, sums: Sums, r: Records): number {
  sums.fit(names.list.length);
  let top = sumCounts(b, end, names.index, sums.acc, sums.seen, r);
  if (r.n > 0) {
    // Past damage, or a hash without a definition (yet): the slow path, record by record.
    for (let j = 0; j < r.n; j++) {
      let i = names.index.get(r.lo[j]!, r.hi[j]!);
      if (i < 0) {
        i = names.placeholder(r.lo[j]!, r.hi[j]!);
        sums.fit(names.list.length);
      }
      sums.acc[i] = sums.acc[i]! + r.value[j]!;
      if (i >= top) top = i + 1;
    }
  }
  return top;
}

/** The damage of `r` described as if its offsets were `base` further, in a file ending at `end`. */
function describeShifted(r: Records, base: number, end: number): string {
  if (r.damage.length === 0) return '';
  for (let d = 0; d < r.damage.length; d += 2) r.damage[d] = r.damage[d]! + base;
  r.end = end;
  return describeDamage(r);
}

/**
 * Reads one week file into `acc`; null if it is gone or unreadable (reported). Reports its damage.
 * Leaves the file's size in `reader.length`.
 */
function readWeek(pd: ProgramDir, key: string, names: Names, reader: FileReader, r: Records, damage: string[], sums: Sums): { top: number; damage: string } | null {
  const file = weekFileName(key);
  try {
    if (!reader.read(pd.path + sep + file)) return null; // removed since listed
  } catch (e) {
    damage.push(`${pd.rel}/${file}: unreadable (${reason(e)}), skipped`);
    return null;
  }
  const top = countInto(reader.buf, reader.length, names, sums, r);
  const d = describeDamage(r);
  if (d) damage.push(`${pd.rel}/${file}: ${d}`);
  return { top, damage: d };
}

/**
 * The end of a program directory: names.wdn read again (`reload`) if some increment had no
 * definition, because it may have been appended after the first read; the nameless sent to
 * UNKNOWN_NAME; names.wdn's damage line; the sink finished. Returns the number of name indices
 * before UNKNOWN_NAME's was added.
 */
function finishProgram(pd: ProgramDir, names: Names, damage: string[], sink: Sink, reload: () => void): number {
  let line = names.damage;
  let canon: Int32Array | null = null;
  if (names.unresolved()) {
    reload();
    line = names.damage;
  }
  const n = names.list.length;
  if (names.placeholders.length > 0) {
    const resolved = names.resolve();
    canon = resolved.canon;
    if (resolved.what) line = line ? `${line}; ${resolved.what}` : resolved.what;
  }
  if (line && line !== 'missing') damage.push(`${pd.rel}/${NAMES_FILE}: ${line}`);
  sink.finish(names, canon);
  return n;
}

/**
 * The slow path: names.wdn decoded whole, then week by week, closed weeks from the snapshot's
 * per-week sums where it has them (mapped to our name indices by hash), others from their files.
 * Writes a new snapshot when the one there is missing or stale and every closed week was read.
 */
function slowScan(pd: ProgramDir, files: ProgramFiles, weeks: string[], closed: string[], s: Summary | null, readers: Readers, damage: string[], sink: Sink, ctx: Context): void {
  const r = readers.records;
  const names = new Names(pd.path + sep + NAMES_FILE);
  if (files.names) names.load(readers.names, r);
  const map = s !== null ? names.mapSummary(s) : null;
  const nClosed = s === null ? 0 : closedOf(s);
  // Which selected weeks the snapshot holds sums of: position in `weeks` -> its week index, or -1.
  const covered = new Int32Array(weeks.length).fill(-1);
  let firstCovered = -1;
  if (s !== null) {
    const list = s.weeks();
    let k = 0;
    for (let w = 0; w < weeks.length; w++) {
      while (k < nClosed && list[k]!.key < weeks[w]!) k++;
      if (k < nClosed && list[k]!.key === weeks[w]) {
        covered[w] = k;
        if (firstCovered < 0) firstCovered = k;
      }
    }
  }
  let entries: { words: Int32Array; blocks: number[] } | null = null;
  if (s !== null && firstCovered >= 0) {
    entries = summaryEntries(s, firstCovered, nClosed);
    if (entries === null) throw new SummaryMismatch();
  }
  const allClosed = closed.length > 0 && weeks[0]! <= closed[0]!;
  // Fresh: it covers the closed weeks and the current week as it is now (or has none of it).
  const hasCurrent = files.weeks.includes(ctx.current);
  const fresh = s !== null && nClosed === closed.length && (s.open === null ? !hasCurrent : s.open.key === ctx.current);
  // Not while there are weeks after the current one (a clock that was ahead): the fast path
  // would not know of them.
  const rebuild = ctx.write && allClosed && !fresh && !files.weeks.some((w) => w > ctx.current);
  const newWeeks: SummaryWeekContent[] = [];

  sink.start(pd.program, weeks);
  const sums = new Sums();
  const reader = readers.counts;
  for (let w = 0; w < weeks.length; w++) {
    const key = weeks[w]!;
    let top = 0;
    let size = 0;
    let d = '';
    const k = covered[w]!;
    if (k >= 0) {
      // From the snapshot: the sums it holds for the week, and the week's damage line.
      const sw = s!.weeks()[k]!;
      sums.fit(names.list.length);
      top = addEntries(entries!.words, entries!.blocks[k - firstCovered]!, sw.entries, s!.n, map, sums.acc);
      size = sw.size;
      d = sw.damage;
      if (d) damage.push(`${pd.rel}/${weekFileName(key)}: ${d}`);
    } else {
      const got = readWeek(pd, key, names, reader, r, damage, sums);
      if (got === null) continue;
      top = got.top;
      size = reader.length;
      d = got.damage;
    }
    if (rebuild && key < ctx.current) newWeeks.push({ key, size, damage: d, entries: nonzero(sums.acc, top) });
    // The current week, when intact, as the open week: listings this week read on from its end.
    if (rebuild && key === ctx.current && d === '' && size >= 4) newWeeks.push({ key, size, damage: '', entries: nonzero(sums.acc, top), last: word(reader.buf, size - 4) });
    if (names.placeholders.length > 0) names.tally(sums.acc, top);
    sink.week(w, sums.acc, top);
  }
  const n = finishProgram(pd, names, damage, sink, () => names.load(readers.names, r));
  if (rebuild && newWeeks.filter((x) => x.last === undefined).length === closed.length) saveSummary(pd, files, names, n, newWeeks, ctx);
}

/** The nonzero sums of `acc[0, top)` as snapshot entries (index, sum as two words), by index. */
function nonzero(acc: Float64Array, top: number): Int32Array {
  let n = 0;
  for (let i = 0; i < top; i++) if (acc[i] !== 0) n++;
  const e = new Int32Array(3 * n);
  let j = 0;
  for (let i = 0; i < top; i++) {
    const c = acc[i]!;
    if (c === 0) continue;
    e[j] = i;
    e[j + 1] = c % 0x100000000;
    e[j + 2] = Math.floor(c / 0x100000000);
    j += 3;
  }
  return e;
}

/**
 * Writes the snapshot of the weeks just read, then checks that no closed week file grew meanwhile:
 * a writer appending to a closed week removes the snapshot after its append (dropSummary), but may
 * have done so before this one was renamed into place. One stat per week, once per snapshot.
 */
function saveSummary(pd: ProgramDir, files: ProgramFiles, names: Names, n: number, weeks: SummaryWeekContent[], ctx: Context): void {
  if (files.summaryTemps.length > 0) removeStaleTemps(pd.path, files.summaryTemps, ctx.now);
  const { lo, hi } = names.index.byIndex(n);
  const def = names.def.subarray(0, n);
  const { head0, head1 } = names.headsFor(n);
  const bytes = encodeSummary({ created: ctx.now, namesSize: names.intact ? names.size : 0, namesLast: names.last, lo, hi, def, head0, head1, n, weeks });
  if (!writeSummary(pd.path, bytes)) return;
  for (const w of weeks) {
    if (w.last !== undefined) continue; // the open week grows: read on from its size
    let size = -1;
    try {
      size = statSync(pd.path + sep + weekFileName(w.key)).size;
    } catch {
      // removed: as changed
    }
    if (size !== w.size) {
      dropSummary(pd.path);
      return;
    }
  }
}

/** Rows per (week, name). */
class RowSink implements Sink {
  private program = '';
  private version = '';
  private weeks: string[] = [];
  // (week, name index, count) per nonzero sum, in week order then index order.
  private sw = new Int32Array(1024);
  private si = new Int32Array(1024);
  private sc = new Float64Array(1024);
  private n = 0;

  constructor(private readonly out: CounterRow[]) {}

  start(program: ProgramId, weeks: string[]): void {
    this.program = program.name;
    this.version = program.version;
    this.weeks = weeks;
  }

  week(w: number, acc: Float64Array, top: number): void {
    if (this.n + top > this.sw.length) {
      const size = Math.max(this.sw.length * 2, this.n + top);
      const sw = new Int32Array(size), si = new Int32Array(size), sc = new Float64Array(size);
      sw.set(this.sw); si.set(this.si); sc.set(this.sc);
      this.sw = sw; this.si = si; this.sc = sc;
    }
    this.n = collectSums(w, acc, top, this.sw, this.si, this.sc, this.n);
  }

  finish(names: Names, canon: Int32Array | null): void {
    const { program, version, weeks, sw, si, sc, out } = this;
    if (canon === null) {
      for (let k = 0; k < this.n; k++) out.push({ program, version, week: weeks[sw[k]!]!, name: names.name(si[k]!), count: sc[k]! });
      return;
    }
    // Nameless sums merge into UNKNOWN_NAME's row of their week.
    let byName = new Map<number, CounterRow>();
    for (let k = 0; k < this.n; k++) {
      if (k > 0 && sw[k] !== sw[k - 1]) byName = new Map();
      const i = canon[si[k]!]!;
      const row = byName.get(i);
      if (row) row.count += sc[k]!;
      else {
        const r: CounterRow = { program, version, week: weeks[sw[k]!]!, name: names.name(i), count: sc[k]! };
        byName.set(i, r);
        out.push(r);
      }
    }
  }
}

/** Moves the nonzero sums of `acc[0, top)` to the (week, index, count) columns from `n` on; returns the new length. */
function collectSums(w: number, acc: Float64Array, top: number, sw: Int32Array, si: Int32Array, sc: Float64Array, n: number): number {
  for (let i = 0; i < top; i++) {
    const c = acc[i]!;
    if (c !== 0) {
      sw[n] = w;
      si[n] = i;
      sc[n] = c;
      n++;
      acc[i] = 0;
    }
  }
  return n;
}

/** The totals of one program@version, by name index; names decoded when asked for. */
class ProgramTotals {
  /** Name indices counted, in first-counted order (nameless ones merged into UNKNOWN_NAME's). */
  order: ArrayLike<number> & Iterable<number> = [];
  /**
   * From a snapshot: its counted indices by its totals, descending; the indices counted since
   * (`touched`, their totals changed, and new names) are not in that order.
   */
  rank: Int32Array | null = null;
  touched: number[] = [];
  /** Of those, the ones first counted since the snapshot. */
  added: number[] = [];
  private readonly lists = new Map<string, readonly string[]>();

  constructor(
    readonly program: string,
    readonly version: string,
    readonly count: Float64Array,
    private readonly bits: Int32Array,
    private readonly stride: number,
    private readonly weeks: string[],
    readonly names: Names,
  ) {}

  /** The weeks index i was counted in. Counters counted in the same weeks share one list: a store of steady crashes has few sets. */
  weeksOf(i: number): readonly string[] {
    const { bits, stride, weeks } = this;
    let key = String(bits[i * stride]);
    for (let j = 1; j < stride; j++) key += ',' + bits[i * stride + j]!;
    let list = this.lists.get(key);
    if (list === undefined) {
      const l: string[] = [];
      for (let j = 0; j < stride; j++) {
        let word = bits[i * stride + j]!;
        while (word !== 0) {
          l.push(weeks[j * 32 + 31 - Math.clz32(word & -word)]!); // lowest set bit first
          word &= word - 1;
        }
      }
      list = l;
      this.lists.set(key, list);
    }
    return list;
  }

  total(i: number): CounterTotal {
    return { program: this.program, version: this.version, name: this.names.name(i), count: this.count[i]!, weeks: this.weeksOf(i) };
  }
}

/** Totals per name, with the set of weeks as a bitmap per name. */
class TotalSink implements Sink {
  private program = '';
  private version = '';
  private weeks: string[] = [];
  private count = new Float64Array(64);
  /** Bit w of word (i * stride + (w >> 5)): name i was counted in week w. */
  private bits = new Int32Array(64);
  private stride = 1;
  /** Indices in the order they were first counted: a snapshot's, then those counted first after it. */
  private first: Int32Array | null = null;
  private order: number[] = [];
  /** A snapshot's indices by its totals, and the indices counted since (whose totals it does not have). */
  private rank: Int32Array | null = null;
  private touched: number[] = [];

  constructor(private readonly out: ProgramTotals[]) {}

  start(program: ProgramId, weeks: string[]): void {
    this.program = program.name;
    this.version = program.version;
    this.weeks = weeks;
    this.stride = (weeks.length + 31) >> 5;
    this.count = new Float64Array(64);
    this.bits = new Int32Array(64 * this.stride);
    this.first = null;
    this.order = [];
    this.rank = null;
    this.touched = [];
  }

  week(w: number, acc: Float64Array, top: number): void {
    if (top > this.count.length) this.grow(top);
    if (this.rank !== null) for (let i = 0; i < top; i++) if (acc[i] !== 0) this.touched.push(i);
    addWeek(w, acc, top, this.count, this.bits, this.stride, this.order);
  }

  summary(s: Summary): void {
    const n = s.n;
    if (n > this.count.length) this.grow(n);
    this.count.set(s.count);
    if (s.stride === this.stride) {
      this.bits.set(s.bits);
    } else {
      for (let i = 0; i < n; i++) for (let j = 0; j < s.stride; j++) this.bits[i * this.stride + j] = s.bits[i * s.stride + j]!;
    }
    this.first = s.order;
    this.rank = s.rank;
  }

  private grow(n: number): void {
    const size = Math.max(this.count.length * 2, n);
    const count = new Float64Array(size);
    const bits = new Int32Array(size * this.stride);
    count.set(this.count);
    bits.set(this.bits);
    this.count = count;
    this.bits = bits;
  }

  finish(names: Names, canon: Int32Array | null): void {
    if (names.list.length > this.count.length) this.grow(names.list.length);
    const { count, bits, stride } = this;
    let order: ArrayLike<number> & Iterable<number> = this.first === null ? this.order : this.order.length === 0 ? this.first : [...this.first, ...this.order];
    if (canon !== null) {
      // Nameless indices merge into UNKNOWN_NAME's, which keeps the place of the first of them.
      const merged: number[] = [];
      const seen = new Uint8Array(names.list.length);
      for (const i of order) {
        const c = canon[i]!;
        if (!seen[c]) merged.push(c);
        seen[c] = 1;
        if (c === i) continue;
        count[c] = count[c]! + count[i]!;
        for (let j = 0; j < stride; j++) bits[c * stride + j]! |= bits[i * stride + j]!;
      }
      order = merged;
    }
    const t = new ProgramTotals(this.program, this.version, count, bits, stride, this.weeks, names);
    t.order = order;
    if (canon === null && this.rank !== null) {
      t.rank = this.rank;
      t.touched = this.touched;
      t.added = this.order;
    }
    this.out.push(t);
  }
}

/** Adds week `w`'s sums to the totals and marks the week for each name counted; zeroes `acc[0, top)`. */
function addWeek(w: number, acc: Float64Array, top: number, count: Float64Array, bits: Int32Array, stride: number, order: number[]): void {
  const word = w >> 5;
  const bit = 1 << (w & 31);
  for (let i = 0; i < top; i++) {
    const c = acc[i]!;
    if (c !== 0) {
      if (count[i] === 0) order.push(i);
      count[i] = count[i]! + c;
      bits[i * stride + word]! |= bit;
      acc[i] = 0;
    }
  }
}

/** Code-unit order: stable across locales, and far cheaper than localeCompare on long names. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Most frequent first, then by program, version and name. */
export function compareTotals(a: CounterTotal, b: CounterTotal): number {
  return b.count - a.count || byText(a.program, b.program) || byText(a.version, b.version) || byText(a.name, b.name);
}

/**
 * The `limit` first totals in compareTotals order among those whose name starts with `prefix`.
 * Programs come sorted by name and version, so (count, program index) orders them but for ties,
 * which are broken by name: only the names of the totals returned and of ties at the limit are
 * decoded.
 */
function selectTop(programs: ProgramTotals[], prefix: string, limit: number | undefined): { totals: CounterTotal[]; more: number } {
  // Each program's candidates: by rank, when a snapshot ranked them and all its names have the
  // prefix (only the totals near the top are looked at), else all those with the prefix.
  const sources = programs.map((p) => candidates(p, prefix, limit));
  let m = 0;
  for (const c of sources) m += c.matches;
  const pick: [number, number][] = []; // (program, index)
  if (limit === undefined || limit >= m) {
    sources.forEach((c, k) => {
      for (const i of c.all()) pick.push([k, i]);
    });
  } else if (limit > 0) {
    // The limit-th largest count: every total above it is in; of those at it, the first programs'
    // come first, so all ties of the programs up to the one that reaches the limit (names decide).
    const best = new Float64Array(limit).fill(-1);
    sources.forEach((c, k) => c.feed(best, programs[k]!.count));
    const threshold = best[limit - 1]!;
    const ties: [number, number][] = [];
    let above = 0;
    sources.forEach((c, k) => (above += c.collect(threshold, k, programs[k]!.count, pick, ties)));
    const lastProg = ties[limit - above - 1]![0];
    for (const t of ties) if (t[0] <= lastProg) pick.push(t);
  }
  const totals = pick.map(([k, i]) => programs[k]!.total(i));
  totals.sort(compareTotals);
  if (limit !== undefined && totals.length > limit) totals.length = limit;
  return { totals, more: m - totals.length };
}

/** Puts count `c` among the `best.length` largest so far, kept descending; most cost one compare. */
function keep(best: Float64Array, c: number): void {
  const last = best.length - 1;
  if (c <= best[last]!) return;
  let at = last;
  while (at > 0 && best[at - 1]! < c) {
    best[at] = best[at - 1]!;
    at--;
  }
  best[at] = c;
}

/** One program's totals with the prefix: how many, and ways to go through them. */
interface Candidates {
  matches: number;
  /** All of them. */
  all(): Iterable<number>;
  /** Keeps at least the `best.length` largest of them (and maybe more) in `best`. */
  feed(best: Float64Array, count: Float64Array): void;
  /** Those with a total at least `threshold`: above it to `pick`, at it to `ties`, as (k, index); returns how many above. */
  collect(threshold: number, k: number, count: Float64Array, pick: [number, number][], ties: [number, number][]): number;
}

/** Adds (k, i) for each id whose count is at least `threshold`; returns how many were above it. */
function collectFrom(ids: ArrayLike<number>, threshold: number, k: number, count: Float64Array, pick: [number, number][], ties: [number, number][]): number {
  let above = 0;
  for (let j = 0; j < ids.length; j++) {
    const i = ids[j]!;
    const c = count[i]!;
    if (c > threshold) {
      pick.push([k, i]);
      above++;
    } else if (c === threshold) {
      ties.push([k, i]);
    }
  }
  return above;
}

function candidates(p: ProgramTotals, prefix: string, limit: number | undefined): Candidates {
  const rank = p.rank;
  if (limit !== undefined && rank !== null && p.names.allMatch(prefix)) {
    // The snapshot's ranked names, but those counted since (their totals changed), and new ones.
    const touched = new Set(p.touched);
    const added = p.names.withPrefix(p.added, prefix);
    const freshSet = new Set<number>();
    for (const i of touched) if (!p.added.includes(i)) freshSet.add(i); // counted before: it has the prefix
    for (let j = 0; j < added.length; j++) freshSet.add(added[j]!);
    const fresh = [...freshSet];
    return {
      matches: rank.length + added.length,
      all: () => [...rank, ...Array.from(added)],
      feed(best, count) {
        let taken = 0;
        for (let r = 0; r < rank.length && taken < best.length; r++) {
          const i = rank[r]!;
          if (touched.has(i)) continue;
          keep(best, count[i]!);
          taken++;
        }
        for (const i of fresh) keep(best, count[i]!);
      },
      collect(threshold, k, count, pick, ties) {
        let above = 0;
        for (let r = 0; r < rank.length; r++) {
          const i = rank[r]!;
          if (touched.has(i)) continue;
          const c = count[i]!;
          if (c < threshold) break;
          if (c > threshold) {
            pick.push([k, i]);
            above++;
          } else {
            ties.push([k, i]);
          }
        }
        return above + collectFrom(fresh, threshold, k, count, pick, ties);
      },
    };
  }
  const ids = p.names.withPrefix(p.order, prefix);
  return {
    matches: ids.length,
    all: () => Array.from(ids),
    feed(best, count) {
      for (let j = 0; j < ids.length; j++) keep(best, count[ids[j]!]!);
    },
    collect: (threshold, k, count, pick, ties) => collectFrom(ids, threshold, k, count, pick, ties),
  };
}
