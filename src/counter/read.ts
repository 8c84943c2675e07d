/**
 * Reading: readStore() sums the store's increments per (program, version, week, name);
 * readTotals() sums them per (program, version, name) over the weeks read, which is what the
 * listing commands show and costs one object per counter instead of one per counter and week.
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
 * Speed (docs/store.md has numbers): one reusable buffer per file kind and one read() per file;
 * the inner loop (format.ts sumCounts) reads aligned words, maps the 8-byte hash to a small index
 * through a typed-array hash table, and skips the check of a record identical to one it verified;
 * per week a Float64Array of sums; names decoded once per program@version. The hot loops are
 * small functions called once per file, so V8 optimizes them after a few files.
 */
import { sep } from 'node:path';
import { reason } from './errors.js';
import { FileReader, NAMES_FILE, programDirs, programFiles, weekFileName, type ProgramDir } from './files.js';
import { Records, decodeNames, describeDamage, sumCounts, word } from './format.js';
import { nameHash } from './hash.js';
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

/** Reads the counters of the store at `dir`, per week. A missing store is an empty one. */
export function readStore(dir: string, options: ReadOptions = {}): StoreContents {
  const rows: CounterRow[] = [];
  const damage = scanStore(dir, options, () => new RowSink(rows));
  return { rows, damage };
}

/** Reads the counters of the store at `dir`, summed over the selected weeks. */
export function readTotals(dir: string, options: ReadOptions = {}): StoreTotals {
  const totals: CounterTotal[] = [];
  const damage = scanStore(dir, options, () => new TotalSink(totals));
  return { totals, damage };
}

function scanStore(dir: string, options: ReadOptions, sink: () => Sink): string[] {
  const from = sinceKey(options.since);
  const damage: string[] = [];
  const readers: Readers = { names: new FileReader(), counts: new FileReader(), records: new Records() };
  for (const pd of programDirs(dir).dirs) {
    const { name, version } = pd.program;
    if (options.program !== undefined && options.program !== name && options.program !== `${name}@${version}`) continue;
    const { names, weeks } = programFiles(pd);
    const selected = from === null ? weeks : weeks.filter((w) => w >= from);
    if (selected.length > 0) scanProgram(pd, names, selected, readers, damage, sink());
  }
  return damage;
}

/** One buffer per file kind, and one record list, reused across program directories. */
interface Readers {
  names: FileReader;
  counts: FileReader;
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

/** The names of one program directory, indexed by hash. */
class Names {
  readonly index = new HashIndex();
  /** Name by index; null while an increment's hash has no definition. */
  readonly list: (string | null)[] = [];
  /** What was wrong with names.wdn at the last load, '' if nothing. */
  damage = '';

  /** Reads names.wdn, adding the definitions not yet known. */
  load(reader: FileReader, file: string, r: Records): void {
    let found: boolean;
    try {
      found = reader.read(file);
    } catch (e) {
      this.damage = `unreadable (${reason(e)})`;
      return;
    }
    if (!found) {
      this.damage = 'missing';
      return;
    }
    const b = reader.buf;
    decodeNames(b, reader.length, r);
    this.index.reserve(this.list.length + r.n);
    // ASCII names (the usual case) are cut from one decoding of the whole file: no copy each.
    const text = b.toString('latin1', 0, reader.length);
    for (let k = 0; k < r.n; k++) {
      const i = this.index.get(r.lo[k]!, r.hi[k]!);
      if (i >= 0 && this.list[i] !== null) continue; // a duplicate definition
      const start = r.offset[k]! + 16;
      const end = start + r.value[k]!;
      const name = r.ascii[k] ? text.slice(start, end) : b.toString('utf8', start, end);
      if (i < 0) {
        this.index.add(r.lo[k]!, r.hi[k]!, this.list.length);
        this.list.push(name);
      } else {
        this.list[i] = name;
      }
    }
    this.damage = describeDamage(r);
  }

  /** Indices given to hashes without a definition, and the increments counted under each. */
  readonly placeholders: number[] = [];
  readonly unnamed: number[] = [];

  /** The index of a hash that has no definition yet. */
  placeholder(lo: number, hi: number): number {
    const i = this.list.length;
    this.index.add(lo, hi, i);
    this.list.push(null);
    this.placeholders.push(i);
    this.unnamed.push(0);
    return i;
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
      if (this.list[i] === null) {
        missing++;
        increments += this.unnamed[j]!;
      }
    });
    if (missing === 0) return { canon: null, what: '' };
    const h = nameHash(Buffer.from(UNKNOWN_NAME));
    let u = this.index.get(word(h, 0), word(h, 4));
    if (u < 0) {
      u = this.list.length;
      this.index.add(word(h, 0), word(h, 4), u);
      this.list.push(UNKNOWN_NAME);
    }
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
  /** Called once at the end: names by index, and where each index is reported (canon[i] !== i for nameless ones). */
  finish(names: string[], canon: Int32Array | null): void;
}

/**
 * Reads one program directory: names.wdn, then each selected week file, then names.wdn again if
 * some increment had no definition. Damage lines go to `damage`, sums to `sink`.
 */
function scanProgram(pd: ProgramDir, hasNames: boolean, weeks: string[], readers: Readers, damage: string[], sink: Sink): void {
  const names = new Names();
  const namesFile = pd.path + sep + NAMES_FILE;
  if (hasNames) names.load(readers.names, namesFile, readers.records);
  sink.start(pd.program, weeks);
  let acc = new Float64Array(Math.max(64, names.list.length));
  let seen = new Int32Array(2 * acc.length);
  const reader = readers.counts;
  const rest = readers.records;
  for (let w = 0; w < weeks.length; w++) {
    const file = weekFileName(weeks[w]!);
    try {
      if (!reader.read(pd.path + sep + file)) continue; // removed since listed
    } catch (e) {
      damage.push(`${pd.rel}/${file}: unreadable (${reason(e)}), skipped`);
      continue;
    }
    let top = sumCounts(reader.buf, reader.length, names.index, acc, seen, rest);
    if (rest.n > 0) {
      // Past damage, or a hash without a definition (yet): the slow path, record by record.
      if (acc.length < names.list.length + rest.n) {
        const bigger = new Float64Array(Math.max(acc.length * 2, names.list.length + rest.n));
        bigger.set(acc);
        acc = bigger;
        const seen2 = new Int32Array(2 * bigger.length);
        seen2.set(seen);
        seen = seen2;
      }
      for (let k = 0; k < rest.n; k++) {
        let i = names.index.get(rest.lo[k]!, rest.hi[k]!);
        if (i < 0) i = names.placeholder(rest.lo[k]!, rest.hi[k]!);
        acc[i] = acc[i]! + rest.value[k]!;
        if (i >= top) top = i + 1;
      }
    }
    const d = describeDamage(rest);
    if (d) damage.push(`${pd.rel}/${file}: ${d}`);
    if (names.placeholders.length > 0) names.tally(acc, top);
    sink.week(w, acc, top);
  }
  let line = names.damage;
  let canon: Int32Array | null = null;
  if (names.placeholders.length > 0) {
    // The definitions may have been appended after the first read: read names.wdn again.
    names.load(readers.names, namesFile, readers.records);
    line = names.damage;
    const resolved = names.resolve();
    canon = resolved.canon;
    if (resolved.what) line = line ? `${line}; ${resolved.what}` : resolved.what;
  }
  if (line && line !== 'missing') damage.push(`${pd.rel}/${NAMES_FILE}: ${line}`);
  sink.finish(names.list as string[], canon);
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

  finish(names: string[], canon: Int32Array | null): void {
    const { program, version, weeks, sw, si, sc, out } = this;
    if (canon === null) {
      for (let k = 0; k < this.n; k++) out.push({ program, version, week: weeks[sw[k]!]!, name: names[si[k]!]!, count: sc[k]! });
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
        const r: CounterRow = { program, version, week: weeks[sw[k]!]!, name: names[i]!, count: sc[k]! };
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

  constructor(private readonly out: CounterTotal[]) {}

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

  private grow(n: number): void {
    const size = Math.max(this.count.length * 2, n);
    const count = new Float64Array(size);
    const bits = new Int32Array(size * this.stride);
    count.set(this.count);
    bits.set(this.bits);
    this.count = count;
    this.bits = bits;
  }

  finish(names: string[], canon: Int32Array | null): void {
    if (names.length > this.count.length) this.grow(names.length);
    const { count, bits, stride, weeks, program, version } = this;
    let order = this.order;
    if (canon !== null) {
      // Nameless indices merge into UNKNOWN_NAME's, which keeps the place of the first of them.
      const merged: number[] = [];
      const seen = new Uint8Array(names.length);
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
    // Counters counted in the same weeks share one list: a store of steady crashes has few sets.
    const lists = new Map<string, readonly string[]>();
    for (const i of order) {
      let key = String(bits[i * stride]);
      for (let j = 1; j < stride; j++) key += ',' + bits[i * stride + j]!;
      let list = lists.get(key);
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
        lists.set(key, list);
      }
      this.out.push({ program, version, name: names[i]!, count: count[i]!, weeks: list });
    }
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
