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
 * Snapshots (summary.ts; with the `summaries` option): the closed weeks of a program@version come
 * from its summary.wds when it is intact and still describes the files, so a listing reads one
 * snapshot, names.wdn and the current week's file instead of every week file. Names defined before
 * the snapshot are then checked and decoded only when asked for (Names.name), and names.wdn is
 * decoded only from where the snapshot stopped. Whatever a snapshot gives is what reading the
 * files would give, damage lines included; a snapshot that turns out not to match is ignored and
 * written again.
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
import { MAX_NAME_BYTES, NAME_OVERHEAD, Records, decodeNames, describeDamage, sumCounts, validName, word } from './format.js';
import { nameHash } from './hash.js';
import { closeSummary, count2, dropSummary, encodeSummary, headWords, loadSummary, removeStaleTemps, summaryEntries, summaryHashes, writeSummary, type Summary } from './summary.js';
import { HashIndex } from './table.js';
import type { CounterRow, CounterTotal, ProgramId } from './types.js';
import { weekKey } from './week.js';

/** Where increments without an intact definition are counted. */
export const UNKNOWN_NAME = 'crash/unknown-name';

export interface ReadOptions {
  /** Only this program: its name (`@scope/tool`), or `name@version`. */
  program?: string;
  /** Only the week containing this moment and later weeks. */
  since?: Date;
}

export interface TotalsOptions extends ReadOptions {
  /**
   * Take the closed weeks from each program@version's snapshot (summary.wds) where it is valid,
   * and write the snapshot where it is missing or stale and the directory is writable. The
   * results are the same either way. Off by default: the library reads the week files themselves.
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
  /** The current week: earlier ones are closed. */
  current: string;
}

function context(use: boolean, write: boolean): Context {
  const now = Date.now();
  return { use, write, now, current: weekKey(new Date(now)) };
}

function scanStore(dir: string, options: ReadOptions, ctx: Context, sink: () => Sink): string[] {
  const from = sinceKey(options.since);
  const damage: string[] = [];
  const readers: Readers = { counts: new FileReader(), names: new FileReader(), records: new Records() };
  for (const pd of programDirs(dir).dirs) {
    const { name, version } = pd.program;
    if (options.program !== undefined && options.program !== name && options.program !== `${name}@${version}`) continue;
    const files = programFiles(pd);
    const selected = from === null ? files.weeks : files.weeks.filter((w) => w >= from);
    if (selected.length === 0) continue;
    const mark = damage.length;
    try {
      scanProgram(pd, files, selected, readers, damage, sink(), ctx, ctx.use && files.summary);
    } catch (e) {
      if (!(e instanceof SummaryMismatch)) throw e;
      damage.length = mark;
      scanProgram(pd, files, selected, readers, damage, sink(), ctx, false);
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
   * undefined for a definition known from a snapshot, at `def[i]` of names.wdn, not decoded yet.
   */
  readonly list: (string | null | undefined)[] = [];
  /** Byte offset of each index's definition in names.wdn, -1 if none (grown by `room`). */
  def = new Int32Array(64);
  /** First 8 bytes of the names a snapshot gave (indices below `heads`), for prefix filters. */
  head0: Int32Array | null = null;
  head1: Int32Array | null = null;
  heads = 0;
  /** names.wdn, and a descriptor on it while definitions may still be read from it. */
  file = '';
  fd = -1;
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
   * Takes over the names of a snapshot (before anything else): index i of the snapshot is index i
   * here. False if its table cannot be taken over.
   */
  fromSummary(s: Summary): boolean {
    const n = s.n;
    if (!this.index.adopt(s.slotLo, s.slotHi, s.slotVal, n)) return false;
    this.def = s.def.slice();
    this.head0 = s.head0.slice();
    this.head1 = s.head1.slice();
    this.heads = n;
    this.list.length = n; // holes read as undefined: defined, not decoded yet
    const def = this.def;
    for (let i = 0; i < n; i++) {
      if (def[i]! >= 0) continue;
      this.list[i] = null;
      this.placeholders.push(i);
      this.unnamed.push(0);
    }
    return true;
  }

  /** For a snapshot whose names are not used: its index to ours, by hash. */
  mapSummary(s: Summary): Int32Array {
    const { lo, hi } = summaryHashes(s);
    const map = new Int32Array(s.n);
    for (let i = 0; i < s.n; i++) {
      const j = this.index.get(lo[i]!, hi[i]!);
      map[i] = j >= 0 ? j : this.placeholder(lo[i]!, hi[i]!);
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
    if (n === null) throw new Error(`name ${i} has no definition`); // resolve() maps these away
    let got = 0;
    try {
      if (this.fd < 0) this.fd = openSync(this.file, 'r');
      got = readSync(this.fd, DEF_BUF, 0, DEF_BUF.length, this.def[i]!);
    } catch {
      throw new SummaryMismatch();
    }
    const b = DEF_BUF;
    if (validName(b, 0, got) === 0 || this.index.get(word(b, 8), word(b, 12)) !== i) throw new SummaryMismatch();
    const s = b.toString('utf8', 16, 16 + (word(b, 4) >>> 0));
    this.list[i] = s;
    return s;
  }

  /** Closes names.wdn. */
  close(): void {
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
  withPrefix(ids: readonly number[], prefix: string): number[] {
    if (prefix === '') return ids as number[];
    const bytes = Buffer.alloc(8);
    const len = bytes.write(prefix, 'utf8');
    const fast = len === prefix.length && len <= 8 && !prefix.includes('\0') && this.heads > 0;
    const p0 = bytes.readInt32LE(0), p1 = bytes.readInt32LE(4);
    const m0 = len >= 4 ? -1 : (1 << (8 * len)) - 1;
    const m1 = len >= 8 ? -1 : len <= 4 ? 0 : (1 << (8 * (len - 4))) - 1;
    const { list, head0, head1, heads } = this;
    const out: number[] = [];
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k]!;
      const yes = fast && i < heads && list[i] === undefined ? (head0![i]! & m0) === p0 && (head1![i]! & m1) === p1 : this.name(i).startsWith(prefix);
      if (yes) out.push(i);
    }
    return out;
  }

  /** First 8 bytes of every name, for a new snapshot (decoded names are encoded again). */
  headsFor(n: number): { head0: Int32Array; head1: Int32Array } {
    const head0 = new Int32Array(n);
    const head1 = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const name = this.list[i];
      if (name === undefined && i < this.heads) {
        head0[i] = this.head0![i]!;
        head1[i] = this.head1![i]!;
      } else if (typeof name === 'string') {
        [head0[i], head1[i]] = headWords(name);
      }
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
    const h = nameHash(Buffer.from(UNKNOWN_NAME));
    let u = this.index.get(word(h, 0), word(h, 4));
    if (u < 0) u = this.add(word(h, 0), word(h, 4), UNKNOWN_NAME, -1);
    this.list[u] = UNKNOWN_NAME;
    const canon = new Int32Array(this.list.length);
    for (let i = 0; i < canon.length; i++) canon[i] = this.list[i] === null ? u : i;
    const s = (n: number): string => (n === 1 ? '' : 's');
    return { canon, what: `no definition for ${missing} name${s(missing)} used by ${increments} increment${s(increments)}, counted as ${UNKNOWN_NAME}` };
  }
}

/** Where a program directory's sums go, week by week. */
interface Sink {
  /** Called once before the weeks: the program and its week keys (ascending). */
  start(program: ProgramId, weeks: string[]): void;
  /** The sums of week `w` by name index in `acc[0, top)`; must leave `acc[0, top)` zeroed. */
  week(w: number, acc: Float64Array, top: number): void;
  /**
   * The totals of a snapshot's weeks, which are weeks 0 to (its weeks - 1) here; called before
   * week(). `map` takes its name indices to ours (null: the same), all below `size`. Only
   * TotalSink takes it.
   */
  summary?(s: Summary, map: Int32Array | null, size: number): void;
  /** Called once at the end: the names, and where each index is reported (canon[i] !== i for nameless ones). */
  finish(names: Names, canon: Int32Array | null): void;
}

/** One closed week as a new snapshot holds it. */
interface WeekSummary {
  key: string;
  size: number;
  damage: string;
  entries: Int32Array;
}

/**
 * Reads one program directory: names.wdn, then each selected week file (or a snapshot's sums for
 * the closed ones), then names.wdn again if some increment had no definition. Damage lines go to
 * `damage`, sums to `sink`. Throws SummaryMismatch when the snapshot turns out not to match, before
 * anything reached `sink`'s output.
 */
function scanProgram(pd: ProgramDir, files: ProgramFiles, weeks: string[], readers: Readers, damage: string[], sink: Sink, ctx: Context, useSummary: boolean): void {
  const closed = files.weeks.filter((w) => w < ctx.current);
  let s = useSummary ? loadSummary(pd.path + sep + SUMMARY_FILE) : null;
  try {
    if (s !== null && !describesFiles(s, closed, ctx.now)) {
      closeSummary(s);
      s = null;
    }
    scanWith(pd, files, weeks, closed, s, readers, damage, sink, ctx);
  } finally {
    if (s !== null) closeSummary(s);
  }
}

/** Whether a snapshot can stand for the files: taken in the past, every week it covers closed and still there. */
function describesFiles(s: Summary, closed: string[], now: number): boolean {
  if (s.created > now) return false; // the clock went back: what is closed may have changed
  let j = 0;
  for (let k = 0; k < s.weeks.length; k++) {
    const key = s.weeks[k]!.key;
    if (k > 0 && key <= s.weeks[k - 1]!.key) return false;
    while (j < closed.length && closed[j]! < key) j++;
    if (j === closed.length || closed[j] !== key) return false; // removed, or not closed
  }
  for (let c = 0; c < s.counted; c++) if (s.totals[c * (3 + s.stride)]! >>> 0 >= s.n) return false;
  return true;
}

function scanWith(pd: ProgramDir, files: ProgramFiles, weeks: string[], closed: string[], s: Summary | null, readers: Readers, damage: string[], sink: Sink, ctx: Context): void {
  const names = new Names(pd.path + sep + NAMES_FILE);
  try {
    scanNames(pd, files, weeks, closed, s, names, readers, damage, sink, ctx);
  } catch (e) {
    names.close();
    throw e;
  }
  if (names.heads === 0) names.close(); // nothing left to read from it
}

function scanNames(pd: ProgramDir, files: ProgramFiles, weeks: string[], closed: string[], s: Summary | null, names: Names, readers: Readers, damage: string[], sink: Sink, ctx: Context): void {
  const r = readers.records;
  const lazy = s !== null && s.namesSize > 0;
  /** The first time only if the listing showed it; again whether or not (it may have appeared since). */
  const loadNames = (again: boolean): void => {
    if (lazy) {
      if (!names.loadFrom(s.namesSize, s.namesLast, readers.names, r)) throw new SummaryMismatch(); // not what it summarised
    } else if (files.names || again) {
      names.load(readers.names, r);
    }
  };
  if (lazy && !names.fromSummary(s)) throw new SummaryMismatch();
  loadNames(false);
  const map = s !== null && !lazy ? names.mapSummary(s) : null;

  // Which selected weeks the snapshot holds: position in `weeks` -> its week index, or -1.
  const covered = new Int32Array(weeks.length).fill(-1);
  let firstCovered = -1;
  if (s !== null) {
    let k = 0;
    for (let w = 0; w < weeks.length; w++) {
      while (k < s.weeks.length && s.weeks[k]!.key < weeks[w]!) k++;
      if (k < s.weeks.length && s.weeks[k]!.key === weeks[w]) {
        covered[w] = k;
        if (firstCovered < 0) firstCovered = k;
      }
    }
  }
  const allClosed = closed.length > 0 && weeks[0]! <= closed[0]!;
  const fresh = s !== null && s.weeks.length === closed.length;
  // A new snapshot is written when the one there is missing or stale and every closed week is read.
  const rebuild = ctx.write && allClosed && !fresh;
  const newWeeks: WeekSummary[] = [];
  // The totals of a fresh snapshot stand for all its weeks, which are then the first ones here.
  const whole = fresh && allClosed && sink.summary !== undefined;
  let entries: { words: Int32Array; blocks: number[] } | null = null;
  if (s !== null && !whole && firstCovered >= 0) {
    entries = summaryEntries(s, firstCovered);
    if (entries === null) throw new SummaryMismatch();
  }

  sink.start(pd.program, weeks);
  let acc = new Float64Array(Math.max(64, names.list.length));
  let seen = new Int32Array(2 * acc.length);
  const grow = (n: number): void => {
    if (acc.length >= n) return;
    const bigger = new Float64Array(Math.max(acc.length * 2, n));
    bigger.set(acc);
    acc = bigger;
    const seen2 = new Int32Array(2 * bigger.length);
    seen2.set(seen);
    seen = seen2;
  };
  let w0 = 0;
  if (whole) {
    sink.summary!(s!, map, names.list.length);
    w0 = s!.weeks.length;
    for (let c = 0; c < s!.weeks.length; c++) if (s!.weeks[c]!.damage) damage.push(`${pd.rel}/${weekFileName(s!.weeks[c]!.key)}: ${s!.weeks[c]!.damage}`);
    if (names.placeholders.length > 0) tallySummary(names, s!, map);
  }
  const reader = readers.counts;
  const rest = readers.records;
  for (let w = w0; w < weeks.length; w++) {
    const key = weeks[w]!;
    const file = weekFileName(key);
    let top = 0;
    let size = 0;
    let d = '';
    const k = covered[w]!;
    if (k >= 0) {
      // From the snapshot: the sums it holds for the week, and the week's damage line.
      const sw = s!.weeks[k]!;
      const e = entries!.words;
      const at = entries!.blocks[k - firstCovered]!;
      grow(names.list.length);
      for (let j = at, end = at + 3 * sw.entries; j < end; j += 3) {
        let i = e[j]!;
        if (i >>> 0 >= s!.n) throw new SummaryMismatch();
        if (map !== null) i = map[i]!;
        acc[i] = acc[i]! + count2(e, j + 1);
        if (i >= top) top = i + 1;
      }
      size = sw.size;
      d = sw.damage;
    } else {
      try {
        if (!reader.read(pd.path + sep + file)) continue; // removed since listed
      } catch (e) {
        damage.push(`${pd.rel}/${file}: unreadable (${reason(e)}), skipped`);
        continue;
      }
      top = sumCounts(reader.buf, reader.length, names.index, acc, seen, rest);
      if (rest.n > 0) {
        // Past damage, or a hash without a definition (yet): the slow path, record by record.
        grow(names.list.length + rest.n);
        for (let j = 0; j < rest.n; j++) {
          let i = names.index.get(rest.lo[j]!, rest.hi[j]!);
          if (i < 0) i = names.placeholder(rest.lo[j]!, rest.hi[j]!);
          acc[i] = acc[i]! + rest.value[j]!;
          if (i >= top) top = i + 1;
        }
      }
      size = reader.length;
      d = describeDamage(rest);
    }
    if (d) damage.push(`${pd.rel}/${file}: ${d}`);
    if (rebuild && key < ctx.current) newWeeks.push({ key, size, damage: d, entries: nonzero(acc, top) });
    if (names.placeholders.length > 0) names.tally(acc, top);
    sink.week(w, acc, top);
  }
  let line = names.damage;
  let canon: Int32Array | null = null;
  if (names.placeholders.some((i, j) => names.list[i] === null && names.unnamed[j]! > 0)) {
    // The definitions may have been appended after the first read: read names.wdn again.
    loadNames(true);
    line = names.damage;
  }
  // What a new snapshot's names table holds: every index before resolve() adds UNKNOWN_NAME's.
  const nNames = names.list.length;
  if (names.placeholders.length > 0) {
    const resolved = names.resolve();
    canon = resolved.canon;
    if (resolved.what) line = line ? `${line}; ${resolved.what}` : resolved.what;
  }
  if (line && line !== 'missing') damage.push(`${pd.rel}/${NAMES_FILE}: ${line}`);
  sink.finish(names, canon);
  if (rebuild && newWeeks.length === closed.length) saveSummary(pd, files, names, nNames, newWeeks, ctx);
}

/** Adds the snapshot totals of placeholder indices to their tallies. */
function tallySummary(names: Names, s: Summary, map: Int32Array | null): void {
  const per = 3 + s.stride;
  const slot = new Map<number, number>();
  names.placeholders.forEach((i, j) => slot.set(i, j));
  for (let c = 0; c < s.counted; c++) {
    let i = s.totals[c * per]!;
    if (map !== null) i = map[i]!;
    const j = slot.get(i);
    if (j !== undefined) names.unnamed[j] = names.unnamed[j]! + count2(s.totals, c * per + 1);
  }
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
 * Writes the snapshot of the closed weeks just read, then checks that no week file grew meanwhile:
 * a writer appending to a closed week removes the snapshot after its append (dropSummary), but may
 * have done so before this one was renamed into place. One stat per week, once per snapshot.
 */
function saveSummary(pd: ProgramDir, files: ProgramFiles, names: Names, n: number, weeks: WeekSummary[], ctx: Context): void {
  if (files.summaryTemps.length > 0) removeStaleTemps(pd.path, files.summaryTemps, ctx.now);
  const { lo, hi } = names.index.byIndex(n);
  const def = names.def.subarray(0, n);
  const { head0, head1 } = names.headsFor(n);
  const bytes = encodeSummary({ created: ctx.now, namesSize: names.intact ? names.size : 0, namesLast: names.last, lo, hi, def, head0, head1, n, weeks });
  if (!writeSummary(pd.path, bytes)) return;
  for (const w of weeks) {
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
  order: number[] = [];
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
  /** Indices in the order they were first counted. */
  private order: number[] = [];

  constructor(private readonly out: ProgramTotals[]) {}

  start(program: ProgramId, weeks: string[]): void {
    this.program = program.name;
    this.version = program.version;
    this.weeks = weeks;
    this.stride = (weeks.length + 31) >> 5;
    this.count = new Float64Array(64);
    this.bits = new Int32Array(64 * this.stride);
    this.order = [];
  }

  week(w: number, acc: Float64Array, top: number): void {
    if (top > this.count.length) this.grow(top);
    addWeek(w, acc, top, this.count, this.bits, this.stride, this.order);
  }

  summary(s: Summary, map: Int32Array | null, size: number): void {
    if (size > this.count.length) this.grow(size);
    addSummary(s.totals, s.counted, s.stride, map, this.count, this.bits, this.stride, this.order);
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
    let order = this.order;
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

/** Adds a snapshot's totals (its weeks being the first ones here, so its bitmap words are ours). */
function addSummary(t: Int32Array, counted: number, sstride: number, map: Int32Array | null, count: Float64Array, bits: Int32Array, stride: number, order: number[]): void {
  const per = 3 + sstride;
  for (let c = 0, p = 0; c < counted; c++, p += per) {
    let i = t[p]!;
    if (map !== null) i = map[i]!;
    if (count[i] === 0) order.push(i);
    count[i] = count[i]! + count2(t, p + 1);
    for (let j = 0; j < sstride; j++) bits[i * stride + j]! |= t[p + 3 + j]!;
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
  const kept = programs.map((p) => p.names.withPrefix(p.order, prefix));
  let m = 0;
  for (const ids of kept) m += ids.length;
  const prog = new Int32Array(m);
  const idx = new Int32Array(m);
  const cnt = new Float64Array(m);
  for (let k = 0, c = 0; k < programs.length; k++) {
    const ids = kept[k]!;
    const count = programs[k]!.count;
    for (let j = 0; j < ids.length; j++, c++) {
      prog[c] = k;
      idx[c] = ids[j]!;
      cnt[c] = count[ids[j]!]!;
    }
  }
  let pick: number[] = [];
  if (limit === undefined || limit >= m) {
    for (let c = 0; c < m; c++) pick.push(c);
  } else if (limit > 0) {
    // The count of the limit-th: every total above it is in, ties at it may be.
    const sorted = cnt.slice(0, m).sort();
    const threshold = sorted[m - limit]!;
    const ties: number[] = [];
    for (let c = 0; c < m; c++) {
      if (cnt[c]! > threshold) pick.push(c);
      else if (cnt[c] === threshold) ties.push(c);
    }
    // Among the ties the first programs come first: of the last program needed, all its ties.
    ties.sort((a, b) => prog[a]! - prog[b]!);
    const need = limit - pick.length;
    const lastProg = prog[ties[need - 1]!]!;
    for (const c of ties) if (prog[c]! <= lastProg) pick.push(c);
  }
  const totals = pick.map((c) => programs[prog[c]!]!.total(idx[c]!));
  totals.sort(compareTotals);
  if (limit !== undefined && totals.length > limit) totals.length = limit;
  return { totals, more: m - totals.length };
}
