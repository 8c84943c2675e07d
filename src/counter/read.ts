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
 * Speed: one reusable buffer per file kind and one read() per file; a typed-array hash table from
 * the 8-byte hash to a small index; per week a Float64Array of sums; names decoded once per
 * program@version.
 */
import { join, sep } from 'node:path';
import { reason } from './errors.js';
import { FileReader, NAMES_FILE, programDirs, programFiles, weekFileName, type ProgramDir } from './files.js';
import { Records, decodeCounts, decodeNames, describeDamage, word } from './format.js';
import { nameHash } from './hash.js';
import { HashIndex } from './table.js';
import type { CounterRow, CounterTotal } from './types.js';
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
  const damage = scanStore(dir, options, (scan) => scan.rows(rows));
  return { rows, damage };
}

/** Reads the counters of the store at `dir`, summed over the selected weeks. */
export function readTotals(dir: string, options: ReadOptions = {}): StoreTotals {
  const totals: CounterTotal[] = [];
  const damage = scanStore(dir, options, (scan) => scan.totals(totals));
  return { totals, damage };
}

function scanStore(dir: string, options: ReadOptions, use: (scan: ProgramScan) => void): string[] {
  const from = sinceKey(options.since);
  const damage: string[] = [];
  const readers: Readers = { names: new FileReader(), counts: new FileReader(), records: new Records() };
  for (const pd of programDirs(dir).dirs) {
    const { name, version } = pd.program;
    if (options.program !== undefined && options.program !== name && options.program !== `${name}@${version}`) continue;
    const { names, weeks } = programFiles(pd);
    const selected = from === null ? weeks : weeks.filter((w) => w >= from);
    if (selected.length > 0) use(new ProgramScan(pd, names, selected, readers, damage));
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
    for (let k = 0; k < r.n; k++) {
      const i = this.index.get(r.lo[k]!, r.hi[k]!);
      if (i >= 0 && this.list[i] !== null) continue; // a duplicate definition
      const start = r.offset[k]! + 16;
      const name = b.toString('utf8', start, start + r.value[k]!);
      if (i < 0) {
        this.index.add(r.lo[k]!, r.hi[k]!, this.list.length);
        this.list.push(name);
      } else {
        this.list[i] = name;
      }
    }
    this.damage = describeDamage(r);
  }

  /** Number of placeholders given out. */
  placeholders = 0;

  /** The index of a hash that has no definition yet. */
  placeholder(lo: number, hi: number): number {
    this.placeholders++;
    const i = this.list.length;
    this.index.add(lo, hi, i);
    this.list.push(null);
    return i;
  }
}

/**
 * One program directory's selected weeks, summed: `(week, name index, count)` for every nonzero
 * sum, in week order then name order, plus the names.
 */
class ProgramScan {
  readonly program: string;
  readonly version: string;
  private readonly names = new Names();
  private sw = new Int32Array(1024);
  private si = new Int32Array(1024);
  private sc = new Float64Array(1024);
  private n = 0;
  /** Name index to the index it is reported under (nameless ones to UNKNOWN_NAME's), or null if all are named. */
  private canon: Int32Array | null = null;

  constructor(
    pd: ProgramDir,
    hasNames: boolean,
    private readonly weeks: string[],
    readers: Readers,
    damage: string[],
  ) {
    this.program = pd.program.name;
    this.version = pd.program.version;
    const names = this.names;
    const namesFile = join(pd.path, NAMES_FILE);
    if (hasNames) names.load(readers.names, namesFile, readers.records);
    let acc = new Float64Array(Math.max(64, names.list.length));
    const reader = readers.counts;
    const r = readers.records;
    for (let w = 0; w < weeks.length; w++) {
      const file = weekFileName(weeks[w]!);
      try {
        if (!reader.read(pd.path + sep + file)) continue; // removed since listed
      } catch (e) {
        damage.push(`${pd.rel}/${file}: unreadable (${reason(e)}), skipped`);
        continue;
      }
      decodeCounts(reader.buf, reader.length, r);
      if (acc.length < names.list.length + r.n) {
        const bigger = new Float64Array(Math.max(acc.length * 2, names.list.length + r.n));
        bigger.set(acc);
        acc = bigger;
      }
      const top = sumRecords(r, names, acc);
      this.collect(w, acc, top);
      const d = describeDamage(r);
      if (d) damage.push(`${pd.rel}/${file}: ${d}`);
    }
    let line = names.damage;
    if (names.placeholders > 0) {
      names.load(readers.names, namesFile, readers.records);
      line = names.damage;
      const what = this.resolveUnknown();
      if (what) line = line ? `${line}; ${what}` : what;
    }
    if (line && line !== 'missing') damage.push(`${pd.rel}/${NAMES_FILE}: ${line}`);
  }

  /** Appends the week's nonzero sums (in index order) and clears them from `acc`. */
  private collect(w: number, acc: Float64Array, top: number): void {
    if (this.n + top > this.sw.length) {
      const size = Math.max(this.sw.length * 2, this.n + top);
      const sw = new Int32Array(size), si = new Int32Array(size), sc = new Float64Array(size);
      sw.set(this.sw); si.set(this.si); sc.set(this.sc);
      this.sw = sw; this.si = si; this.sc = sc;
    }
    this.n = collectSums(w, acc, top, this.sw, this.si, this.sc, this.n);
  }

  /** Sends nameless indices to UNKNOWN_NAME; describes them, or '' if there are none. */
  private resolveUnknown(): string {
    const list = this.names.list;
    let missing = 0;
    for (const x of list) if (x === null) missing++;
    if (missing === 0) return '';
    // One index for all of them, shared with a real definition of that name if there is one.
    const h = nameHash(Buffer.from(UNKNOWN_NAME));
    let u = this.names.index.get(word(h, 0), word(h, 4));
    if (u < 0) u = this.names.placeholder(word(h, 0), word(h, 4));
    list[u] = UNKNOWN_NAME;
    const canon = new Int32Array(list.length);
    for (let i = 0; i < canon.length; i++) canon[i] = list[i] === null ? u : i;
    let increments = 0;
    for (let k = 0; k < this.n; k++) if (list[this.si[k]!] === null) increments += this.sc[k]!;
    this.canon = canon;
    return `no definition for ${missing} name${missing === 1 ? '' : 's'} used by ${increments} increment${increments === 1 ? '' : 's'}, counted as ${UNKNOWN_NAME}`;
  }

  rows(out: CounterRow[]): void {
    const { program, version, weeks, canon, sw, si, sc } = this;
    const list = this.names.list;
    if (canon === null) {
      for (let k = 0; k < this.n; k++) out.push({ program, version, week: weeks[sw[k]!]!, name: list[si[k]!]!, count: sc[k]! });
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
        const r: CounterRow = { program, version, week: weeks[sw[k]!]!, name: list[i]!, count: sc[k]! };
        byName.set(i, r);
        out.push(r);
      }
    }
  }

  totals(out: CounterTotal[]): void {
    const { program, version, weeks, sw, sc, n } = this;
    const list = this.names.list;
    const si = this.canonical();
    // Two passes over the sums: totals and week counts per name, then exactly sized week lists.
    const count = new Float64Array(list.length);
    const nweeks = new Int32Array(list.length);
    const order = new Int32Array(list.length);
    const named = sumByName(si, sc, n, count, nweeks, order);
    const lists: string[][] = new Array(list.length);
    for (let j = 0; j < named; j++) lists[order[j]!] = new Array<string>(nweeks[order[j]!]!);
    fillWeeks(sw, si, n, weeks, lists, nweeks);
    for (let j = 0; j < named; j++) {
      const i = order[j]!;
      out.push({ program, version, name: list[i]!, count: count[i]!, weeks: lists[i]! });
    }
  }

  /** The name index of each sum, nameless ones sent to UNKNOWN_NAME's. */
  private canonical(): Int32Array {
    const canon = this.canon;
    if (canon === null) return this.si;
    const si = new Int32Array(this.n);
    for (let k = 0; k < this.n; k++) si[k] = canon[this.si[k]!]!;
    return si;
  }
}

/**
 * Per name index: total count and number of distinct weeks; `order` gets the indices in first-seen
 * order. Returns how many indices it holds. Sums come in week order, so a name's weeks are runs.
 */
function sumByName(si: Int32Array, sc: Float64Array, n: number, count: Float64Array, nweeks: Int32Array, order: Int32Array): number {
  let named = 0;
  for (let k = 0; k < n; k++) {
    const i = si[k]!;
    if (nweeks[i] === 0) order[named++] = i;
    count[i] = count[i]! + sc[k]!;
    nweeks[i] = nweeks[i]! + 1;
  }
  // A week counted twice for one index (nameless hashes merged into UNKNOWN_NAME) is one week.
  return named;
}

/** Fills each name's week list in order; `fill` holds the list sizes and ends up holding them again. */
function fillWeeks(sw: Int32Array, si: Int32Array, n: number, weeks: string[], lists: string[][], fill: Int32Array): void {
  fill.fill(0);
  for (let k = 0; k < n; k++) {
    const i = si[k]!;
    const list = lists[i]!;
    const week = weeks[sw[k]!]!;
    const at = fill[i]!;
    if (at > 0 && list[at - 1] === week) continue;
    list[at] = week;
    fill[i] = at + 1;
  }
  for (let i = 0; i < lists.length; i++) {
    const list = lists[i];
    if (list !== undefined && list.length > fill[i]!) list.length = fill[i]!;
  }
}

/**
 * Adds each record's delta to `acc` at its name's index, giving hashes without a definition a
 * placeholder index (`acc` has room for one per record). Returns 1 + the highest index used. The
 * reader's inner loop: small and separate, so V8 optimizes it after a few files.
 */
function sumRecords(r: Records, names: Names, acc: Float64Array): number {
  const { lo, hi, value, n } = r;
  const index = names.index;
  let top = 0;
  for (let k = 0; k < n; k++) {
    let i = index.get(lo[k]!, hi[k]!);
    if (i < 0) i = names.placeholder(lo[k]!, hi[k]!);
    acc[i] = acc[i]! + value[k]!;
    if (i >= top) top = i + 1;
  }
  return top;
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
