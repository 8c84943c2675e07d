/**
 * summary.wds: a snapshot of one program@version's weeks, so that a listing reads one small file
 * and the tail of the current week's file instead of every week file. It is a cache: a reader that
 * does not trust it (missing, damaged, another format version, not matching the files) reads the
 * week files and writes it again; deleting it never changes a result. docs/store.md has the
 * format, the invariants and the measurements; in short:
 *
 * - It covers the weeks before the current ISO week (closed: the store appends to the current
 *   week only), each with its sums per name (its `entries`), its size when summarised and its
 *   damage line; and, when it was intact, the first `size` bytes of the week that was current (the
 *   open week), so a listing in that week reads only what was appended since.
 * - For all covered weeks together it holds each name's total and the weeks it was counted in,
 *   dense by name index, and the order names were first counted in: a listing without --since
 *   takes them over with typed-array copies, no loop per name.
 * - Names are identified by hash, through a hash table a reader takes over as it is, needed only
 *   when something must be looked up. When names.wdn was intact up to `namesSize` bytes it holds
 *   where each definition starts and the first 8 bytes of each name, so a reader filters by a short
 *   prefix without names.wdn, and reads, checks and decodes only the definitions it shows.
 * - It is trusted only while what it summarises is unchanged: files only grow, and anything that
 *   appends to a closed week removes the snapshot (store.ts, dropSummary below). Readers check
 *   that every covered week file is still there, and that names.wdn and the open week's file still
 *   end their summarised bytes with the word they ended with.
 * - Written to a temporary file, mode 0600, and renamed over the old one, so readers see a whole
 *   snapshot or none. The header has a check (sumCheck); each other part is written twice, and a
 *   reader compares the two copies (memcmp) when it first uses the part: a JavaScript checksum over
 *   the 4000 words a listing uses per program costs a fresh process more than the rest of its work
 *   on that program, and any damage that does not hit both copies alike is caught.
 *
 * The file is a sequence of little-endian 32-bit words:
 *
 *   header, 24 words:
 *     0 magic 0x315357FF (bytes FF 57 53 31, "\xFFWS1")   1 format version (2)
 *     2-3 created, ms since 1970 (lo, hi)
 *     4 namesSize: bytes of names.wdn summarised, 0 when they were not intact   5 their last word
 *     6 n, the name indices   7 weeks   8 counted (names with a count)   9 nameless indices
 *     10 words of text   11 capacity of the hash table (a power of two, at least 64 and 2n)
 *     12 flags: 1 = the last week is the open week
 *     13-14 the first bytes all counted names share (as heads are stored)   15 how many (0-8)
 *     16 weeks with a damage line   17-22 zero   23 check of words 0-22 (sumCheck)
 *   then each of the three parts below, followed by a copy of itself:
 *   listing part:
 *     count  n doubles (2 words each, at an 8-byte offset): each index's total
 *     bits   n x stride words (stride = ceil(weeks / 32)): bit k of word k >> 5 set when counted
 *            in week k
 *     heads  2n words: the first 8 bytes of each name, zero-padded (0 when namesSize is 0)
 *     order  counted words: indices in the order they were first counted (weeks ascending, then
 *            index)
 *     rank   counted words: the same indices, by total descending, then index
 *     nameless  indices whose hash had no definition
 *     weeks  10 words per week, ascending: the key's 8 ASCII bytes (`2026-W48`), the file's size
 *            when summarised (lo, hi), word offset of its entries, their number, their check, byte
 *            offset and length of its damage line in the text, the last word of the summarised
 *            bytes (open week only)
 *     text   the week keys again, 8 bytes each (compared with a directory listing at once), then
 *            the damage lines (UTF-8), zero-padded to a whole word
 *   definitions part: n words each of: byte offset of the definition in names.wdn (-1: none),
 *     hash low word, hash high word (as in the records)
 *   hash table (table.ts HashIndex): capacity words each of hash low words, hash high words, and
 *     index + 1 (0: empty slot); linear probing from (lo ^ hi) & (capacity - 1)
 *   and after them the entries, per week in table order (the open week's as far as it was
 *   summarised), 3 words per name counted that week: index, sum (lo, hi), each week's block with
 *   its sumCheck in the weeks table.
 */
import { closeSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from './errors.js';
import { FILE_MODE, SUMMARY_FILE } from './files.js';
import { HashIndex } from './table.js';

export const SUMMARY_MAGIC = 0x315357ff;
export const SUMMARY_VERSION = 5;
const HEADER = 24;
const WEEK = 10;
const ENTRY = 3;
const TWO32 = 0x100000000;
/** Flag: the last week is the open week. */
const OPEN = 1;

/** One covered week. */
export interface SummaryWeek {
  key: string;
  /** Size of the week file when it was summarised. */
  size: number;
  /** Word offset and number of its entries, and their check (none for the open week). */
  at: number;
  entries: number;
  check: number;
  /** Its damage line (without the file name), '' if it was intact. */
  damage: string;
  /** For the open week: the last word of its first `size` bytes. */
  last: number;
}

/**
 * A snapshot as read: its listing part checked and in memory, the definitions part and the hash
 * table checked when first asked for, the entries read on demand through `fd`.
 */
export interface Summary {
  created: number;
  namesSize: number;
  namesLast: number;
  n: number;
  count: Float64Array;
  bits: Int32Array;
  stride: number;
  heads: Int32Array;
  order: Int32Array;
  rank: Int32Array;
  /** The first `commonLength` bytes every counted name starts with, as two head words. */
  common0: number;
  common1: number;
  commonLength: number;
  nameless: Int32Array;
  /** How many weeks, their keys one after the other (8 characters each), how many have damage. */
  weekCount: number;
  keys: string;
  damaged: number;
  /** The weeks, ascending (built when first asked for). */
  weeks(): SummaryWeek[];
  /** The open week (the last of `weeks`), or null. */
  open: SummaryWeek | null;
  /** Checked on first use; null if its check fails. */
  defs(): { def: Int32Array; lo: Int32Array; hi: Int32Array } | null;
  table(): { lo: Int32Array; hi: Int32Array; val: Int32Array } | null;
  /** Open on the snapshot read, so that entries come from the same file; close with closeSummary(). */
  fd: number;
}

/**
 * The check of a snapshot's header and of each week's entries: two running sums of the words
 * (Fletcher's checksum over 32-bit words, modulo 2^32) mixed into one word. It catches any change
 * of one word, truncation, and the usual damage (zeroed or torn pages) but for a chance of 2^-32.
 */
export function sumCheck(w: Int32Array, at: number, n: number): number {
  let a = n;
  let b = 0;
  for (let i = at, end = at + n; i < end; i++) {
    a = (a + w[i]!) | 0;
    b = (b + a) | 0;
  }
  return (Math.imul(b, 0x9e3779b1) ^ a) | 0;
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
 * Reads a snapshot's header and listing part; null if there is none or they are not intact (wrong
 * magic or version, a check that fails, sizes that do not add up). Never throws.
 */
export function loadSummary(path: string): Summary | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    // One read for the usual snapshot (its index, 500 names over 53 weeks, is about 34 KB); the
    // parts past it are read when asked for.
    const first = new Int32Array(FIRST_READ);
    const got = readSync(fd, new Uint8Array(first.buffer), 0, FIRST_READ * 4, 0) >> 2;
    const read = (words: number, from: number): Int32Array | null => (from + words <= got ? first.subarray(from, from + words) : readAt(fd, words, from));
    const s = parseSummary(read, fd);
    if (s) return s;
  } catch {
    // unreadable: as if there were none
  }
  closeSync(fd);
  return null;
}

/** Words read at once when a snapshot is opened. */
const FIRST_READ = 1 << 14;

/**
 * A snapshot read through `read(words, from)` (null past the end): the header, then the listing
 * part, the rest when first asked for. Null unless magic, version, the header's and the listing
 * part's checks and the sizes are right.
 */
function parseSummary(read: (words: number, from: number) => Int32Array | null, fd: number): Summary | null {
  const h = read(HEADER, 0);
  if (h === null || h[0] !== SUMMARY_MAGIC || h[1] !== SUMMARY_VERSION || sumCheck(h, 0, HEADER - 1) !== h[HEADER - 1]) return null;
  const n = h[6]! >>> 0;
  const nWeeks = h[7]! >>> 0;
  const counted = h[8]! >>> 0;
  const nameless = h[9]! >>> 0;
  const textWords = h[10]! >>> 0;
  const cap = h[11]! >>> 0;
  const flags = h[12]!;
  const stride = (nWeeks + 31) >> 5;
  if (cap < 64 || (cap & (cap - 1)) !== 0 || n * 2 > cap || cap > 1 << 26 || counted > n || nameless > n || nWeeks > 1 << 16 || textWords > 1 << 20) return null;
  const listing = 2 * n + n * stride + 2 * n + 2 * counted + nameless + nWeeks * WEEK + textWords;
  const w = mirrored(read, listing, HEADER);
  if (w === null) return null;
  let at = 0;
  const count = new Float64Array(w.buffer, w.byteOffset, n);
  at += 2 * n;
  const view = (len: number): Int32Array => w.subarray(at, (at += len));
  const bits = view(n * stride);
  const heads = view(2 * n);
  const order = view(counted);
  const rank = view(counted);
  const nl = view(nameless);
  const weekAt = at;
  at += nWeeks * WEEK;
  const text = Buffer.from(w.buffer, w.byteOffset + at * 4, textWords * 4);
  if (nWeeks * 8 > text.length) return null;
  const week = (k: number): SummaryWeek => {
    const p = weekAt + k * WEEK;
    const d = w[p + 7]! >>> 0;
    const dl = w[p + 8]! >>> 0;
    const damage = dl === 0 || d + dl > text.length ? '' : text.toString('utf8', d, d + dl);
    return { key: weekKeyOf(w, p), size: count2(w, p + 2), at: w[p + 4]! >>> 0, entries: w[p + 5]! >>> 0, check: w[p + 6]!, damage, last: w[p + 9]! };
  };
  let weeks: SummaryWeek[] | undefined;
  const defsAt = HEADER + 2 * listing;
  const tableAt = defsAt + 6 * n;
  let defs: ReturnType<Summary['defs']> | undefined;
  let table: ReturnType<Summary['table']> | undefined;
  const part = (words: number, from: number): Int32Array | null => {
    try {
      return mirrored(read, words, from);
    } catch {
      return null;
    }
  };
  return {
    created: count2(h, 2),
    namesSize: h[4]! >>> 0,
    namesLast: h[5]!,
    n,
    count,
    bits,
    stride,
    heads,
    order,
    rank,
    common0: h[13]!,
    common1: h[14]!,
    commonLength: Math.min(8, h[15]! >>> 0),
    nameless: nl,
    weekCount: nWeeks,
    keys: text.toString('latin1', 0, 8 * nWeeks),
    damaged: h[16]! >>> 0,
    weeks() {
      if (weeks === undefined) {
        weeks = [];
        for (let k = 0; k < nWeeks; k++) weeks.push(week(k));
      }
      return weeks;
    },
    open: (flags & OPEN) !== 0 && nWeeks > 0 ? week(nWeeks - 1) : null,
    defs() {
      if (defs === undefined) {
        const x = part(3 * n, defsAt);
        defs = x === null ? null : { def: x.subarray(0, n), lo: x.subarray(n, 2 * n), hi: x.subarray(2 * n, 3 * n) };
      }
      return defs;
    },
    table() {
      if (table === undefined) {
        const x = part(3 * cap, tableAt);
        table = x === null ? null : { lo: x.subarray(0, cap), hi: x.subarray(cap, 2 * cap), val: x.subarray(2 * cap, 3 * cap) };
      }
      return table;
    },
    fd,
  };
}

/** A part of `words` words at `from` and its copy right after it: the part, if the two are equal. */
function mirrored(read: (words: number, from: number) => Int32Array | null, words: number, from: number): Int32Array | null {
  const x = read(2 * words, from);
  if (x === null) return null;
  const a = Buffer.from(x.buffer, x.byteOffset, words * 4);
  const b = Buffer.from(x.buffer, x.byteOffset + words * 4, words * 4);
  return a.equals(b) ? x.subarray(0, words) : null;
}

/**
 * `watchdog dump`'s view of a snapshot held in `buf`: what it covers, each week with the size it
 * summarised, and each name's total (hash in disk byte order). Lines start with `offset(byte)`.
 */
export function describeSummary(buf: Buffer, offset: (n: number) => string): string[] {
  const w = new Int32Array(buf.length >> 2);
  Buffer.from(w.buffer).set(buf.subarray(0, w.length * 4));
  const read = (words: number, from: number): Int32Array | null => (from + words <= w.length ? w.slice(from, from + words) : null);
  const s = buf.length % 4 === 0 ? parseSummary(read, -1) : null;
  const defs = s?.defs() ?? null;
  if (s === null || defs === null || s.table() === null) return [`${offset(0)}  not a valid snapshot: ignored, and written again by the next listing`];
  const out: string[] = [];
  const all = s.weeks();
  const closed = s.open ? all.slice(0, -1) : all;
  const span = closed.length === 0 ? 'no closed weeks' : `${closed.length} closed week${closed.length === 1 ? '' : 's'}, ${closed[0]!.key}..${closed[closed.length - 1]!.key}`;
  const open = s.open ? `, and ${s.open.size} bytes of ${s.open.key}` : '';
  const names = s.namesSize > 0 ? `names.wdn bytes [0, ${s.namesSize}) intact` : 'names.wdn not summarised';
  out.push(`${offset(0)}  snapshot taken ${new Date(s.created).toISOString()}: ${span}${open}, ${s.n} names, ${s.order.length} counted; ${names}`);
  const weekAt = HEADER + s.nameless.byteOffset / 4 + s.nameless.length;
  all.forEach((wk, k) => {
    const ok = wk.at + wk.entries * ENTRY <= w.length && sumCheck(w, wk.at, wk.entries * ENTRY) === wk.check;
    const what = `${wk.entries} sums${ok ? '' : ' (DAMAGED)'}${s.open !== null && k === all.length - 1 ? ', open week: read on from there' : ''}`;
    out.push(`${offset((weekAt + k * WEEK) * 4)}  week     ${wk.key}  ${wk.size} bytes summarised, ${what}${wk.damage ? `; ${wk.damage}` : ''}`);
  });
  const hash = Buffer.allocUnsafe(8);
  const countAt = HEADER * 4;
  for (const i of s.order) {
    if (i >>> 0 >= s.n) continue;
    hash.writeInt32LE(defs.lo[i]!, 0);
    hash.writeInt32LE(defs.hi[i]!, 4);
    let weeks = 0;
    for (let j = 0; j < s.stride; j++) {
      let x = s.bits[i * s.stride + j]!;
      while (x !== 0) {
        weeks++;
        x &= x - 1;
      }
    }
    out.push(`${offset(countAt + 8 * i)}  total    ${hash.toString('hex')}  ${s.count[i]} in ${weeks} week${weeks === 1 ? '' : 's'}`);
  }
  return out;
}

/** Closes the snapshot's file (once: later calls do nothing). */
export function closeSummary(s: Summary): void {
  if (s.fd < 0) return;
  try {
    closeSync(s.fd);
  } catch {
    // nothing to do
  }
  s.fd = -1;
}

/**
 * The entries of covered weeks `from` to `to` - 1, one block per week (3 words per entry, from
 * `blocks[k - from]`); null if they cannot be read or a check fails.
 */
export function summaryEntries(s: Summary, from: number, to: number): { words: Int32Array; blocks: number[] } | null {
  if (from >= to) return { words: new Int32Array(0), blocks: [] };
  const weeks = s.weeks();
  const start = weeks[from]!.at;
  const last = weeks[to - 1]!;
  const n = last.at + last.entries * ENTRY - start;
  let words: Int32Array | null;
  try {
    words = readAt(s.fd, n, start);
  } catch {
    return null;
  }
  if (words === null) return null;
  const blocks: number[] = [];
  for (let k = from; k < to; k++) {
    const wk = weeks[k]!;
    const rel = wk.at - start;
    if (rel < 0 || rel + wk.entries * ENTRY > n || sumCheck(words, rel, wk.entries * ENTRY) !== wk.check) return null;
    blocks.push(rel);
  }
  return { words, blocks };
}

/** One week of a new snapshot. */
export interface SummaryWeekContent {
  key: string;
  size: number;
  damage: string;
  /** Its sums: 3 words per name counted (index, sum lo, hi), by index. */
  entries: Int32Array;
  /** Set for the open week (the last one): the last word of its first `size` bytes. */
  last?: number;
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
  /** Ascending; the open week, if any, last. */
  weeks: SummaryWeekContent[];
}

/** The bytes of a snapshot. */
export function encodeSummary(c: SummaryContent): Buffer {
  const { n } = c;
  const nWeeks = c.weeks.length;
  const stride = (nWeeks + 31) >> 5;
  const open = nWeeks > 0 && c.weeks[nWeeks - 1]!.last !== undefined;
  const named = c.namesSize > 0;
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
  const nameless: number[] = [];
  for (let i = 0; i < n; i++) if (c.def[i]! < 0) nameless.push(i);
  const table = new HashIndex();
  const pairs = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    pairs[2 * i] = c.lo[i]!;
    pairs[2 * i + 1] = c.hi[i]!;
  }
  table.addMany(pairs, 0, 2, n, 0);
  const slots = table.slots();
  const cap = slots.val.length;
  const keys = Buffer.from(c.weeks.map((wk) => wk.key.padEnd(8, ' ').slice(0, 8)).join(''), 'latin1');
  const texts = c.weeks.map((wk) => Buffer.from(wk.damage, 'utf8'));
  const textWords = (keys.length + texts.reduce((t, x) => t + x.length, 0) + 3) >> 2;
  const listing = 2 * n + n * stride + 2 * n + 2 * order.length + nameless.length + nWeeks * WEEK + textWords;
  const rank = Int32Array.from(order).sort((a, b) => total[b]! - total[a]! || a - b);
  // The first bytes all counted names share: a listing filtering by a prefix of them loops over none.
  let commonLength = named ? 8 : 0;
  const byte = (i: number, k: number): number => ((k < 4 ? c.head0[i]! : c.head1[i]!) >>> (8 * (k & 3))) & 255;
  for (const i of order) {
    if (c.def[i]! < 0) commonLength = 0;
    let k = 0;
    while (k < commonLength && byte(i, k) === byte(order[0]!, k) && byte(i, k) !== 0) k++;
    commonLength = k;
  }
  const entryWords = c.weeks.reduce((t, wk) => t + wk.entries.length, 0);
  const defsAt = HEADER + 2 * listing;
  const tableAt = defsAt + 6 * n;
  const w = new Int32Array(tableAt + 6 * cap + entryWords);
  let at = HEADER;
  new Float64Array(w.buffer, at * 4, n).set(total);
  at += 2 * n;
  w.set(bits, at);
  at += n * stride;
  for (let i = 0; i < n; i++) {
    w[at + 2 * i] = named ? c.head0[i]! : 0;
    w[at + 2 * i + 1] = named ? c.head1[i]! : 0;
  }
  at += 2 * n;
  w.set(order, at);
  at += order.length;
  w.set(rank, at);
  at += rank.length;
  w.set(nameless, at);
  at += nameless.length;
  let entryAt = tableAt + 6 * cap;
  const textView = Buffer.from(w.buffer, (at + nWeeks * WEEK) * 4, textWords * 4);
  keys.copy(textView, 0);
  let textAt = keys.length;
  c.weeks.forEach((wk, k) => {
    const [a, b] = weekKeyWords(wk.key);
    w[at] = a;
    w[at + 1] = b;
    put2(w, at + 2, wk.size);
    w[at + 4] = entryAt;
    w[at + 5] = wk.entries.length / ENTRY;
    w.set(wk.entries, entryAt);
    w[at + 6] = sumCheck(w, entryAt, wk.entries.length);
    entryAt += wk.entries.length;
    if (wk.last !== undefined) w[at + 9] = wk.last;
    w[at + 7] = textAt;
    w[at + 8] = texts[k]!.length;
    texts[k]!.copy(textView, textAt);
    textAt += texts[k]!.length;
    at += WEEK;
  });
  w.copyWithin(HEADER + listing, HEADER, HEADER + listing);
  for (let i = 0; i < n; i++) {
    w[defsAt + i] = named ? c.def[i]! : c.def[i]! < 0 ? -1 : 0;
    w[defsAt + n + i] = c.lo[i]!;
    w[defsAt + 2 * n + i] = c.hi[i]!;
  }
  w.copyWithin(defsAt + 3 * n, defsAt, defsAt + 3 * n);
  w.set(slots.lo, tableAt);
  w.set(slots.hi, tableAt + cap);
  w.set(slots.val, tableAt + 2 * cap);
  w.copyWithin(tableAt + 3 * cap, tableAt, tableAt + 3 * cap);
  w[0] = SUMMARY_MAGIC;
  w[1] = SUMMARY_VERSION;
  put2(w, 2, c.created);
  w[4] = named ? c.namesSize : 0;
  w[5] = named ? c.namesLast : 0;
  w[6] = n;
  w[7] = nWeeks;
  w[8] = order.length;
  w[9] = nameless.length;
  w[10] = textWords;
  w[11] = cap;
  w[12] = open ? OPEN : 0;
  if (commonLength > 0) {
    const mask = (k: number): number => (k >= 4 ? -1 : (1 << (8 * k)) - 1);
    w[13] = c.head0[order[0]!]! & mask(commonLength);
    w[14] = commonLength <= 4 ? 0 : c.head1[order[0]!]! & mask(commonLength - 4);
  }
  w[15] = commonLength;
  w[16] = texts.filter((t) => t.length > 0).length;
  w[HEADER - 1] = sumCheck(w, 0, HEADER - 1);
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
