/**
 * summary.wds: a snapshot of the closed weeks of one program@version, so that a listing reads one
 * small file instead of every week file. It is a cache: readers that do not trust it (missing,
 * damaged, from another format version, covering a week that is not closed) read the week files
 * and write it again; deleting it never changes a result. docs/store.md has the format, the
 * invariants and the measurements; in short:
 *
 * - It covers weeks before the current ISO week (closed: the store appends to the current week),
 *   and for each one holds the sums per name (its `entries`), the file's size when summarised and
 *   its damage line. For all covered weeks together it holds each name's total and the set of weeks
 *   it was counted in (`totals`), which is what a listing without --since reads.
 * - Names are identified by hash, through a hash table a reader takes over as it is. When names.wdn
 *   was intact up to `namesSize` bytes, it also holds where each definition starts and its first 8
 *   bytes, so a reader reads names.wdn only from `namesSize` on, filters by a short prefix without
 *   it, and reads, checks and decodes only the definitions of the names it shows.
 * - It is trusted only while what it summarises is unchanged: week files only grow, and anything
 *   that appends to a closed week removes the snapshot (store.ts, dropSummary below). Readers
 *   check that every covered week file still exists and that names.wdn still ends its first
 *   `namesSize` bytes with the word it ended with.
 * - Written to a temporary file, mode 0600, and renamed over the old one, so readers see a whole
 *   snapshot or none; each part carries a MurmurHash3 check like the records do.
 *
 * The file is a sequence of little-endian 32-bit words:
 *
 *   header, 16 words:
 *     0  magic 0x315357FF (bytes FF 57 53 31, "\xFFWS1")   1  format version (1)
 *     2  created, ms since 1970 (low word)                 3  (high word)
 *     4  namesSize: bytes of names.wdn summarised, 0 when they were not intact
 *     5  n, the name indices                               6  weeks
 *     7  counted (entries of the totals)                   8  words of text
 *     9  check of the index (every word from 16 to the first entry)
 *     10 capacity of the hash table (a power of two, at least 64 and 2n)
 *     11 the last word of names.wdn's first namesSize bytes (0 if none)
 *     12-14  zero                                          15 check of words 0-14
 *   weeks table, 10 words per covered week, ascending:
 *     0-1 the week key's 8 ASCII bytes (`2026-W48`)  2-3 the file's size when summarised (lo, hi)
 *     4 word offset of its entries   5 their number   6 check of its entries
 *     7 byte offset of its damage line in the text   8 its length in bytes   9 zero
 *   hash table (table.ts HashIndex): capacity words each of hash low words, hash high words (as
 *     in the records), and index + 1 (0: empty slot); linear probing from (lo ^ hi) & (capacity - 1)
 *   per name index, n words each: byte offset of its definition in names.wdn (-1: none when
 *     summarised), and the first 8 bytes of the name, zero-padded, as two words (0 for none)
 *   totals, 3 + stride words per name counted in the covered weeks, in first-counted order:
 *     name index, total (lo, hi), then stride = ceil(weeks / 32) words: bit k of word k >> 5 set
 *     when it was counted in covered week k
 *   text: the damage lines (UTF-8), zero-padded to a whole word
 *   entries, per week in table order, 3 words per name counted that week: name index, sum (lo, hi)
 */
import { closeSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from './errors.js';
import { FILE_MODE, SUMMARY_FILE } from './files.js';
import { HashIndex } from './table.js';

export const SUMMARY_MAGIC = 0x315357ff;
export const SUMMARY_VERSION = 1;
const HEADER = 16;
const WEEK = 10;
const ENTRY = 3;
const TWO32 = 0x100000000;

/** One covered week. */
export interface SummaryWeek {
  key: string;
  /** Size of the week file when it was summarised. */
  size: number;
  /** Word offset and number of its entries, and their check. */
  at: number;
  entries: number;
  check: number;
  /** Its damage line (without the file name), '' if it was intact. */
  damage: string;
}

/**
 * A snapshot as read: the index part in memory (views valid until the next loadSummary()), the
 * entries read on demand through `fd`.
 */
export interface Summary {
  created: number;
  namesSize: number;
  /** The last word of names.wdn's first namesSize bytes. */
  namesLast: number;
  n: number;
  /** The hash table, as HashIndex.slots() gives it. */
  slotLo: Int32Array;
  slotHi: Int32Array;
  slotVal: Int32Array;
  /** Per index: definition offset, first 8 bytes of the name. */
  def: Int32Array;
  head0: Int32Array;
  head1: Int32Array;
  weeks: SummaryWeek[];
  /** Totals, 3 + stride words per counted name. */
  totals: Int32Array;
  counted: number;
  stride: number;
  /** Open on the snapshot read, so that entries come from the same file; close with closeSummary(). */
  fd: number;
}

/** MurmurHash3_x86_32 of `n` words of `w` from `at` (the records' check, over whole words). */
export function checkWords(w: Int32Array, at: number, n: number): number {
  let h = 0;
  for (let i = at, end = at + n; i < end; i++) {
    let k = Math.imul(w[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= n * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The count stored as two words. */
export function count2(w: Int32Array, at: number): number {
  return (w[at]! >>> 0) + (w[at + 1]! >>> 0) * TWO32;
}

function put2(w: Int32Array, at: number, v: number): void {
  w[at] = v % TWO32;
  w[at + 1] = Math.floor(v / TWO32);
}

/** The first 8 bytes of a name, zero-padded, as two little-endian words. */
export function headWords(name: string): [number, number] {
  // The first 8 characters encode to the first 8 bytes or more (a pair cut at the end differs
  // only where no ASCII prefix can match anyway).
  const b = Buffer.alloc(8);
  Buffer.from(name.slice(0, 8), 'utf8').copy(b, 0, 0, 8);
  return [b.readInt32LE(0), b.readInt32LE(4)];
}

function weekKeyWords(key: string): [number, number] {
  const b = Buffer.from(key.padEnd(8, ' ').slice(0, 8), 'latin1');
  return [b.readInt32LE(0), b.readInt32LE(4)];
}

function weekKeyOf(w: Int32Array, at: number): string {
  const a = w[at]!, b = w[at + 1]!;
  return String.fromCharCode(a & 255, (a >>> 8) & 255, (a >>> 16) & 255, a >>> 24, b & 255, (b >>> 8) & 255, (b >>> 16) & 255, b >>> 24);
}

function readAt(fd: number, words: number, from: number): Int32Array | null {
  const buf = new Int32Array(words);
  const bytes = new Uint8Array(buf.buffer);
  let n = 0;
  while (n < bytes.length) {
    const got = readSync(fd, bytes, n, bytes.length - n, from * 4 + n);
    if (got === 0) return null;
    n += got;
  }
  return buf;
}

/**
 * Reads the index part of a snapshot; null if there is none or it is not intact (wrong magic or
 * version, a check that fails, sizes that do not add up). Never throws.
 */
export function loadSummary(path: string): Summary | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const s = parse(fd);
    if (s) return s;
  } catch {
    // unreadable: as if there were none
  }
  closeSync(fd);
  return null;
}

/** The buffer of the first read, shared: a Summary's views are valid until the next loadSummary(). */
let shared: Int32Array | null = null;

function parse(fd: number): Summary | null {
  // One read for the usual snapshot: the index of 500 names over 52 weeks is about 20 KB.
  const first = (shared ??= new Int32Array(1 << 14));
  const got = readSync(fd, new Uint8Array(first.buffer), 0, first.length * 4, 0);
  const index = parseIndex(first, got >> 2, (n) => readAt(fd, n, 0));
  return index === null ? null : { ...index, fd };
}

/**
 * The index part of a snapshot from its first `got` words in `first`; `more(n)` reads the first n
 * words when the index is longer. Null unless magic, version, checks and sizes are right.
 */
function parseIndex(first: Int32Array, got: number, more: (words: number) => Int32Array | null): Omit<Summary, 'fd'> | null {
  if (got < HEADER) return null;
  if (first[0] !== SUMMARY_MAGIC || first[1] !== SUMMARY_VERSION || checkWords(first, 0, 15) !== first[15]) return null;
  const n = first[5]! >>> 0;
  const nWeeks = first[6]! >>> 0;
  const counted = first[7]! >>> 0;
  const textWords = first[8]! >>> 0;
  const cap = first[10]! >>> 0;
  const stride = (nWeeks + 31) >> 5;
  if (cap < 64 || (cap & (cap - 1)) !== 0 || n * 2 > cap || counted > n || cap > 1 << 26 || nWeeks > 1 << 20) return null;
  const indexWords = nWeeks * WEEK + 3 * cap + 3 * n + counted * (3 + stride) + textWords;
  if (indexWords > 1 << 28) return null;
  let w: Int32Array = first;
  if (HEADER + indexWords > got) {
    const all = more(HEADER + indexWords);
    if (all === null) return null;
    w = all;
  }
  if (checkWords(w, HEADER, indexWords) !== w[9]) return null;
  let at = HEADER;
  const weekAt = at;
  at += nWeeks * WEEK;
  const view = (len: number): Int32Array => w.subarray(at, (at += len));
  const slotLo = view(cap);
  const slotHi = view(cap);
  const slotVal = view(cap);
  const def = view(n);
  const head0 = view(n);
  const head1 = view(n);
  const totals = view(counted * (3 + stride));
  const text = Buffer.from(w.buffer, w.byteOffset + at * 4, textWords * 4);
  const weeks: SummaryWeek[] = [];
  for (let k = 0; k < nWeeks; k++) {
    const p = weekAt + k * WEEK;
    const d = w[p + 7]! >>> 0;
    const dl = w[p + 8]! >>> 0;
    if (d + dl > text.length) return null;
    weeks.push({ key: weekKeyOf(w, p), size: count2(w, p + 2), at: w[p + 4]! >>> 0, entries: w[p + 5]! >>> 0, check: w[p + 6]!, damage: dl === 0 ? '' : text.toString('utf8', d, d + dl) });
  }
  return { created: count2(w, 2), namesSize: w[4]! >>> 0, namesLast: w[11]!, n, slotLo, slotHi, slotVal, def, head0, head1, weeks, totals, counted, stride };
}

/** The hashes of a snapshot's name indices (for a reader that does not take over its table). */
export function summaryHashes(s: Omit<Summary, 'fd'>): { lo: Int32Array; hi: Int32Array } {
  const t = new HashIndex();
  if (!t.adopt(s.slotLo, s.slotHi, s.slotVal, s.n)) return { lo: new Int32Array(s.n), hi: new Int32Array(s.n) };
  return t.byIndex(s.n);
}

/**
 * `watchdog dump`'s view of a snapshot held in `buf`: what it covers, each week with the size it
 * summarised, and each name's total (hash in disk byte order). Lines start with `offset(byte)`.
 */
export function describeSummary(buf: Buffer, offset: (n: number) => string): string[] {
  const w = new Int32Array(buf.length >> 2);
  Buffer.from(w.buffer).set(buf.subarray(0, w.length * 4));
  const s = parseIndex(w, w.length, () => null);
  if (s === null || buf.length % 4 !== 0) return [`${offset(0)}  not a valid snapshot: ignored, and written again by the next listing`];
  const out: string[] = [];
  const span = s.weeks.length === 0 ? 'no weeks' : `${s.weeks.length} closed week${s.weeks.length === 1 ? '' : 's'}, ${s.weeks[0]!.key}..${s.weeks[s.weeks.length - 1]!.key}`;
  const names = s.namesSize > 0 ? `names.wdn bytes [0, ${s.namesSize}) intact` : 'names.wdn not summarised';
  out.push(`${offset(0)}  snapshot taken ${new Date(s.created).toISOString()}: ${span}, ${s.n} names, ${s.counted} counted; ${names}`);
  s.weeks.forEach((wk, k) => {
    const ok = wk.at + wk.entries * ENTRY <= w.length && checkWords(w, wk.at, wk.entries * ENTRY) === wk.check;
    out.push(`${offset((HEADER + k * WEEK) * 4)}  week     ${wk.key}  ${wk.size} bytes summarised, ${wk.entries} sums${ok ? '' : ' (DAMAGED)'}${wk.damage ? `; ${wk.damage}` : ''}`);
  });
  const { lo, hi } = summaryHashes(s);
  const hash = Buffer.allocUnsafe(8);
  const per = 3 + s.stride;
  const base = (s.totals.byteOffset - w.byteOffset) / 4;
  for (let c = 0; c < s.counted; c++) {
    const i = s.totals[c * per]! >>> 0;
    if (i >= s.n) continue;
    hash.writeInt32LE(lo[i]!, 0);
    hash.writeInt32LE(hi[i]!, 4);
    let weeks = 0;
    for (let j = 0; j < s.stride; j++) {
      let x = s.totals[c * per + 3 + j]!;
      while (x !== 0) {
        weeks++;
        x &= x - 1;
      }
    }
    out.push(`${offset((base + c * per) * 4)}  total    ${hash.toString('hex')}  ${count2(s.totals, c * per + 1)} in ${weeks} week${weeks === 1 ? '' : 's'}`);
  }
  return out;
}

export function closeSummary(s: Summary): void {
  try {
    closeSync(s.fd);
  } catch {
    // nothing to do
  }
}

/**
 * The entries of covered weeks `from` to the last, one block per week in the returned array (3
 * words per entry, from `blocks[k - from]`); null if they cannot be read or a check fails.
 */
export function summaryEntries(s: Summary, from: number): { words: Int32Array; blocks: number[] } | null {
  if (from >= s.weeks.length) return { words: new Int32Array(0), blocks: [] };
  const start = s.weeks[from]!.at;
  const last = s.weeks[s.weeks.length - 1]!;
  const n = last.at + last.entries * ENTRY - start;
  let words: Int32Array | null;
  try {
    words = readAt(s.fd, n, start);
  } catch {
    return null;
  }
  if (words === null) return null;
  const blocks: number[] = [];
  for (let k = from; k < s.weeks.length; k++) {
    const wk = s.weeks[k]!;
    const rel = wk.at - start;
    if (rel < 0 || rel + wk.entries * ENTRY > n || checkWords(words, rel, wk.entries * ENTRY) !== wk.check) return null;
    blocks.push(rel);
  }
  return { words, blocks };
}

/** What a new snapshot holds; totals are computed from the entries. */
export interface SummaryContent {
  created: number;
  /** Bytes of names.wdn summarised (0: not intact), and its last word. */
  namesSize: number;
  namesLast: number;
  /** Per name index (n of them): hash words, definition offset (-1: none), first 8 bytes. */
  lo: Int32Array;
  hi: Int32Array;
  def: Int32Array;
  head0: Int32Array;
  head1: Int32Array;
  n: number;
  weeks: { key: string; size: number; damage: string; entries: Int32Array }[];
}

/** The bytes of a snapshot. */
export function encodeSummary(c: SummaryContent): Buffer {
  const { n } = c;
  const nWeeks = c.weeks.length;
  const stride = (nWeeks + 31) >> 5;
  // Totals in first-counted order: weeks ascending, within a week by name index.
  const total = new Float64Array(n);
  const bits = new Int32Array(n * stride);
  const order: number[] = [];
  c.weeks.forEach((wk, k) => {
    const e = wk.entries;
    for (let j = 0; j < e.length; j += ENTRY) {
      const i = e[j]!;
      if (total[i] === 0) order.push(i);
      total[i] = total[i]! + count2(e, j + 1);
      bits[i * stride + (k >> 5)]! |= 1 << (k & 31);
    }
  });
  const table = new HashIndex();
  const pairs = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    pairs[2 * i] = c.lo[i]!;
    pairs[2 * i + 1] = c.hi[i]!;
  }
  table.addMany(pairs, 0, 2, n, 0);
  const slots = table.slots();
  const cap = slots.val.length;
  const texts = c.weeks.map((wk) => Buffer.from(wk.damage, 'utf8'));
  const textBytes = texts.reduce((t, x) => t + x.length, 0);
  const textWords = (textBytes + 3) >> 2;
  const indexWords = nWeeks * WEEK + 3 * cap + 3 * n + order.length * (3 + stride) + textWords;
  const entryWords = c.weeks.reduce((t, wk) => t + wk.entries.length, 0);
  const w = new Int32Array(HEADER + indexWords + entryWords);
  let at = HEADER;
  let entryAt = HEADER + indexWords;
  let textAt = 0;
  const textStart = HEADER + indexWords - textWords;
  const textView = Buffer.from(w.buffer, textStart * 4, textWords * 4);
  c.weeks.forEach((wk, k) => {
    const [a, b] = weekKeyWords(wk.key);
    w[at] = a;
    w[at + 1] = b;
    put2(w, at + 2, wk.size);
    w[at + 4] = entryAt;
    w[at + 5] = wk.entries.length / ENTRY;
    w.set(wk.entries, entryAt);
    w[at + 6] = checkWords(w, entryAt, wk.entries.length);
    entryAt += wk.entries.length;
    w[at + 7] = textAt;
    w[at + 8] = texts[k]!.length;
    texts[k]!.copy(textView, textAt);
    textAt += texts[k]!.length;
    at += WEEK;
  });
  w.set(slots.lo, at);
  w.set(slots.hi, at + cap);
  w.set(slots.val, at + 2 * cap);
  at += 3 * cap;
  const named = c.namesSize > 0;
  for (let i = 0; i < n; i++) {
    w[at + i] = named ? c.def[i]! : -1;
    w[at + n + i] = named ? c.head0[i]! : 0;
    w[at + 2 * n + i] = named ? c.head1[i]! : 0;
  }
  at += 3 * n;
  for (const i of order) {
    w[at] = i;
    put2(w, at + 1, total[i]!);
    for (let j = 0; j < stride; j++) w[at + 3 + j] = bits[i * stride + j]!;
    at += 3 + stride;
  }
  w[0] = SUMMARY_MAGIC;
  w[1] = SUMMARY_VERSION;
  put2(w, 2, c.created);
  w[4] = named ? c.namesSize : 0;
  w[5] = n;
  w[6] = nWeeks;
  w[7] = order.length;
  w[8] = textWords;
  w[10] = cap;
  w[11] = named ? c.namesLast : 0;
  w[9] = checkWords(w, HEADER, indexWords);
  w[15] = checkWords(w, 0, 15);
  return Buffer.from(w.buffer, 0, w.length * 4);
}

/**
 * Writes a snapshot into program directory `pdir`: a temporary file (mode 0600), then renamed over
 * summary.wds. False if it could not be written (a read-only store, a full disk): a listing goes on
 * without it, and says nothing.
 */
export function writeSummary(pdir: string, bytes: Buffer): boolean {
  const temp = join(pdir, `${SUMMARY_FILE}.${process.pid}.${Math.floor(Math.random() * 2 ** 31).toString(36)}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', FILE_MODE);
  } catch {
    return false;
  }
  let ok = false;
  try {
    let n = 0;
    while (n < bytes.length) n += writeSync(fd, bytes, n, bytes.length - n);
    ok = true;
  } catch {
    // below: removed
  } finally {
    closeSync(fd);
  }
  try {
    if (ok) renameSync(temp, join(pdir, SUMMARY_FILE));
    return ok;
  } catch {
    ok = false;
    return false;
  } finally {
    if (!ok) removeQuietly(temp);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  }
}

/** Temporary files older than this were left by a reader that died while writing: removed. */
const STALE_TEMP_MS = 10 * 60 * 1000;

/** Removes the stale ones among temporary snapshot files `names` of `pdir`. */
export function removeStaleTemps(pdir: string, names: readonly string[], now: number): void {
  for (const name of names) {
    const path = join(pdir, name);
    try {
      if (now - statSync(path).mtimeMs > STALE_TEMP_MS) unlinkSync(path);
    } catch {
      // raced with its writer or another reader
    }
  }
}

/**
 * Makes sure no snapshot of `pdir` is trusted any more: called by anything that appends to a week
 * file that is not the current week's. Removes summary.wds; where it cannot be removed but can be
 * written (a directory without write permission), overwrites its magic, which makes it invalid.
 * Never throws.
 */
export function dropSummary(pdir: string): void {
  const path = join(pdir, SUMMARY_FILE);
  try {
    unlinkSync(path);
    return;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
  }
  try {
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, Buffer.alloc(4), 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    // nothing more can be done
  }
}
