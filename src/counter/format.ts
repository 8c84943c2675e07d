/**
 * The record layout of the two store files, and the decoders that read them back.
 *
 * Both files are append-only sequences of self-delimiting records. Every record starts with a
 * 4-byte magic whose first byte is 0xFF (a byte that never occurs in UTF-8, so never inside a
 * name) and ends with a 32-bit check: MurmurHash3_x86_32, seed 0, of all the record's bytes
 * before it. All integers are little-endian; the 8-byte hash is the first 8 bytes of SHA-256(name).
 *
 *   names.wdn, one definition per record (size 20 + pad4(n)):
 *     0   magic  FF 57 4E 31 ("\xFFWN1")
 *     4   n      u32, byte length of the name, <= MAX_NAME_BYTES
 *     8   hash   8 bytes
 *     16  name   n bytes of UTF-8, then 0-3 zero bytes up to a multiple of 4
 *     16+pad4(n)  check u32 over bytes [0, 16+pad4(n))
 *
 *   <week>.wdc, one increment per record (size 20):
 *     0   magic  FF 57 43 31 ("\xFFWC1")
 *     4   hash   8 bytes
 *     12  delta  u32, >= 1
 *     16  check  u32 over bytes [0, 16)
 *
 * Decoding: a record is valid iff its magic matches, its length field is in range, it fits in the
 * file and its check matches. The decoders keep every valid record they meet and treat every other
 * byte as damage; after damage they resynchronise at the next offset where a valid record starts,
 * so one torn or corrupted record never hides the intact ones around it. Record sizes are
 * multiples of 4, so in an undamaged file every record is 4-byte aligned, which the decoders use.
 */

import type { HashIndex } from './table.js';

export const NAME_MAGIC = 0x314e57ff; // bytes FF 57 4E 31 read as u32 LE
export const COUNT_MAGIC = 0x314357ff; // bytes FF 57 43 31
export const NAME_MAGIC_BYTES = Buffer.from([0xff, 0x57, 0x4e, 0x31]);
export const COUNT_MAGIC_BYTES = Buffer.from([0xff, 0x57, 0x43, 0x31]);

/** Size of an increment record. */
export const COUNT_RECORD_SIZE = 20;
/** Size of a definition record without its name: magic, length, hash, check. */
export const NAME_OVERHEAD = 20;
/**
 * Longest name a record may hold. The stack module cuts names at 4096 bytes plus a `truncated`
 * line; the slack keeps the store from ever rejecting what it is given, and the writer cuts
 * anything longer.
 */
export const MAX_NAME_BYTES = 8192;
/** Largest delta one record can carry. */
export const MAX_DELTA = 0xffffffff;

/** Bytes a name of `n` bytes occupies in its record, padding included. */
export function padded(n: number): number {
  return (n + 3) & ~3;
}

/** Signed 32-bit little-endian word at `p`. */
export function word(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

/**
 * MurmurHash3_x86_32 with seed 0 over `len` bytes at `p`, for `len` a multiple of 4 (records are
 * padded, so the algorithm's tail step never runs). Returned as a signed 32-bit integer.
 */
export function check(b: Uint8Array, p: number, len: number): number {
  let h = 0;
  for (let i = p, end = p + len; i < end; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function putWord(b: Uint8Array, p: number, v: number): void {
  b[p] = v; b[p + 1] = v >>> 8; b[p + 2] = v >>> 16; b[p + 3] = v >>> 24;
}

/** The definition record of a name (`name` at most MAX_NAME_BYTES bytes, `hash` its 8-byte hash). */
export function encodeName(name: Uint8Array, hash: Uint8Array): Buffer {
  if (name.length > MAX_NAME_BYTES) throw new RangeError(`name of ${name.length} bytes exceeds ${MAX_NAME_BYTES}`);
  const body = 16 + padded(name.length);
  const r = Buffer.alloc(body + 4);
  putWord(r, 0, NAME_MAGIC);
  putWord(r, 4, name.length);
  r.set(hash.subarray(0, 8), 8);
  r.set(name, 16);
  putWord(r, body, check(r, 0, body));
  return r;
}

/** The increment record adding `delta` (1..MAX_DELTA) to the name whose hash is `hash`. */
export function encodeCount(hash: Uint8Array, delta: number): Buffer {
  const r = Buffer.alloc(COUNT_RECORD_SIZE);
  putWord(r, 0, COUNT_MAGIC);
  r.set(hash.subarray(0, 8), 4);
  putWord(r, 12, delta);
  putWord(r, 16, check(r, 0, 16));
  return r;
}

/** Whether a valid increment record starts at `p` of `b`, whose file ends at `end`. */
export function validCount(b: Uint8Array, p: number, end: number): boolean {
  return p + COUNT_RECORD_SIZE <= end && word(b, p) === COUNT_MAGIC && check(b, p, 16) === word(b, p + 16);
}

/** Size of the valid definition record starting at `p` of `b`, whose file ends at `end`; 0 if none. */
export function validName(b: Uint8Array, p: number, end: number): number {
  if (p + NAME_OVERHEAD > end || word(b, p) !== NAME_MAGIC) return 0;
  const n = word(b, p + 4) >>> 0;
  if (n > MAX_NAME_BYTES) return 0;
  const body = 16 + padded(n);
  if (p + body + 4 > end || check(b, p, body) !== word(b, p + body)) return 0;
  return body + 4;
}

/**
 * The valid records of one file, in file order, and the damaged stretches between them. Reused
 * from file to file: the arrays only grow.
 */
export class Records {
  /** Number of valid records. */
  n = 0;
  /** Byte offset of each record. */
  offset = new Int32Array(1024);
  /** The record's hash as two 32-bit words (bytes 0-3 and 4-7, little-endian): a cheap exact key. */
  lo = new Int32Array(1024);
  hi = new Int32Array(1024);
  /** The delta of an increment; the byte length of a definition's name (it starts at offset + 16). */
  value = new Uint32Array(1024);
  /** For definitions: 1 when the name is known to be ASCII (so any decoding gives the same text). */
  ascii = new Uint8Array(1024);
  /** Damaged stretches as (offset, length) pairs, in file order. */
  damage: number[] = [];
  /** Size of the file scanned. */
  end = 0;

  reset(end: number): void {
    this.n = 0;
    this.damage.length = 0;
    this.end = end;
  }

  add(offset: number, lo: number, hi: number, value: number, ascii = 0): void {
    if (this.n === this.offset.length) this.grow();
    const k = this.n++;
    this.offset[k] = offset;
    this.lo[k] = lo;
    this.hi[k] = hi;
    this.value[k] = value;
    this.ascii[k] = ascii;
  }

  private grow(): void {
    const n = this.offset.length * 2;
    const offset = new Int32Array(n), lo = new Int32Array(n), hi = new Int32Array(n), value = new Uint32Array(n), ascii = new Uint8Array(n);
    offset.set(this.offset); lo.set(this.lo); hi.set(this.hi); value.set(this.value); ascii.set(this.ascii);
    this.offset = offset; this.lo = lo; this.hi = hi; this.value = value; this.ascii = ascii;
  }

  /** Total damaged bytes. */
  damagedBytes(): number {
    let t = 0;
    for (let k = 1; k < this.damage.length; k += 2) t += this.damage[k]!;
    return t;
  }
}

/** Whether Int32Array reads little-endian words (every platform Node runs on in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The first offset from `from` on where a valid record starts (per `size`), or `end`. */
function resync(b: Buffer, from: number, end: number, magic: Buffer, size: (b: Uint8Array, p: number, end: number) => number): number {
  for (let q = from; q < end; q++) {
    q = b.indexOf(magic, q);
    if (q < 0 || q >= end) break;
    if (size(b, q, end) > 0) return q;
  }
  return end;
}

const countSize = (b: Uint8Array, p: number, end: number): number => (validCount(b, p, end) ? COUNT_RECORD_SIZE : 0);

/**
 * Decodes bytes [from, end) of a week file into `out`. Intact 4-byte-aligned runs (the whole
 * file, unless damage shifted it) are decoded through an Int32Array view, one word per load; the
 * rest byte by byte. Both paths accept exactly the records validCount() accepts.
 */
export function decodeCounts(b: Buffer, end: number, out: Records, from = 0): void {
  out.reset(end);
  const words = wordView(b, end);
  let p = from;
  while (p < end) {
    if (words !== null && p % 4 === 0) p = countRun(words, p, end, out);
    if (p >= end) break;
    if (validCount(b, p, end)) {
      out.add(p, word(b, p + 4), word(b, p + 8), word(b, p + 12) >>> 0);
      p += COUNT_RECORD_SIZE;
      continue;
    }
    const q = resync(b, p + 1, end, COUNT_MAGIC_BYTES, countSize);
    out.damage.push(p, q - p);
    p = q;
  }
}

/** An Int32Array over `b[0, end)` when words can be read directly (little-endian, aligned), else null. */
function wordView(b: Buffer, end: number): Int32Array | null {
  return LITTLE_ENDIAN && b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, end >> 2) : null;
}

/**
 * The reader's inner loop: adds the delta of each intact increment at the start of `b[0, end)`
 * to `sums[index.get(hash)]`, for as long as records are intact, aligned and their hash is in
 * `index`. From the first record that is not, it decodes the rest of the file into `rest` (records
 * and damage) for the caller. Returns 1 + the highest index it added to (0 if none).
 *
 * `seen[2i]` and `seen[2i + 1]` remember the delta and check word of an intact record with index
 * i's hash (delta 0: none yet). A record equal to it word for word is the same bytes, so intact,
 * and its check need not be computed again: with steady crashes most records repeat.
 */
export function sumCounts(b: Buffer, end: number, index: HashIndex, sums: Float64Array, seen: Int32Array, rest: Records): number {
  const w = wordView(b, end);
  let top = 0;
  let p = 0;
  if (w !== null) {
    for (let q = 0; p + COUNT_RECORD_SIZE <= end; p += COUNT_RECORD_SIZE, q += 5) {
      if (w[q] !== COUNT_MAGIC) break;
      const a1 = w[q + 1]!, a2 = w[q + 2]!, a3 = w[q + 3]!, c = w[q + 4]!;
      const i = index.get(a1, a2);
      if (i < 0) break;
      if (seen[2 * i] !== a3 || seen[2 * i + 1] !== c || a3 === 0) {
        if (check4(COUNT_MAGIC, a1, a2, a3) !== c) break;
        seen[2 * i] = a3;
        seen[2 * i + 1] = c;
      }
      sums[i] = sums[i]! + (a3 >>> 0);
      if (i >= top) top = i + 1;
    }
  }
  if (p < end) decodeCounts(b, end, rest, p);
  else rest.reset(end);
  return top;
}

/** check() of the 16 bytes holding words a0-a3: MurmurHash3_x86_32, unrolled. */
function check4(a0: number, a1: number, a2: number, a3: number): number {
  let h = 0;
  let k = Math.imul(a0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  k = Math.imul(a1, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  k = Math.imul(a2, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  k = Math.imul(a3, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 16;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Decodes aligned intact increments from byte `p` on; returns where it stopped. */
function countRun(w: Int32Array, p: number, end: number, out: Records): number {
  for (let q = p >> 2; p + COUNT_RECORD_SIZE <= end; p += COUNT_RECORD_SIZE, q += 5) {
    if (w[q] !== COUNT_MAGIC) return p;
    const a0 = w[q]!, a1 = w[q + 1]!, a2 = w[q + 2]!, a3 = w[q + 3]!;
    if (check4(a0, a1, a2, a3) !== w[q + 4]) return p;
    out.add(p, a1, a2, a3 >>> 0);
  }
  return p;
}

/** Decodes bytes [0, end) of names.wdn into `out` (value = name length; the name starts at offset + 16). */
export function decodeNames(b: Buffer, end: number, out: Records): void {
  out.reset(end);
  const words = wordView(b, end);
  let p = 0;
  while (p < end) {
    if (words !== null && p % 4 === 0) p = nameRun(words, p, end, out);
    if (p >= end) break;
    const size = validName(b, p, end);
    if (size > 0) {
      out.add(p, word(b, p + 8), word(b, p + 12), word(b, p + 4) >>> 0);
      p += size;
      continue;
    }
    const q = resync(b, p + 1, end, NAME_MAGIC_BYTES, validName);
    out.damage.push(p, q - p);
    p = q;
  }
}

/**
 * Decodes aligned intact definitions from byte `p` on, reading whole words; returns where it
 * stopped. One loop over the file (not a call per record), so V8 optimizes it within the first
 * file. Also notes which names are ASCII: the reader then takes them from one latin1 decoding of
 * the whole file instead of decoding each name.
 */
function nameRun(w: Int32Array, p: number, end: number, out: Records): number {
  while (p + NAME_OVERHEAD <= end) {
    const q = p >> 2;
    if (w[q] !== NAME_MAGIC) return p;
    const n = w[q + 1]! >>> 0;
    if (n > MAX_NAME_BYTES) return p;
    const body = 16 + padded(n);
    if (p + body + 4 > end) return p;
    const e = q + (body >> 2);
    let h = 0;
    let high = 0;
    for (let i = q; i < e; i++) {
      const x = w[i]!;
      if (i >= q + 4) high |= x;
      let k = Math.imul(x, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= body;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    if (h !== w[e]) return p;
    out.add(p, w[q + 2]!, w[q + 3]!, n, (high & 0x80808080) === 0 ? 1 : 0);
    p += body + 4;
  }
  return p;
}

/** One line describing a file's damage, or '' if it was intact. */
export function describeDamage(r: Records): string {
  const d = r.damage;
  if (d.length === 0) return '';
  const total = r.damagedBytes();
  const bytes = `${total} damaged byte${total === 1 ? '' : 's'}`;
  const toEnd = d[d.length - 2]! + d[d.length - 1]! === r.end;
  if (d.length === 2) return `skipped ${bytes} at offset ${d[0]}${toEnd ? ' (to end of file)' : ''}`;
  return `skipped ${bytes} in ${d.length / 2} stretches, first at offset ${d[0]}${toEnd ? ', the last to end of file' : ''}`;
}
