/**
 * A map from 8-byte name hashes (given as two 32-bit words) to small integer indices, for the
 * reader's inner loop: open addressing in typed arrays, no allocation per lookup. The hashes are
 * SHA-256 prefixes, so their low bits are already uniform and serve as the slot directly.
 * Invariant: the table is at most half full, so every probe sequence ends at an empty slot.
 */
export class HashIndex {
  private lo = new Int32Array(64);
  private hi = new Int32Array(64);
  private val = new Int32Array(64); // index + 1; 0 marks an empty slot
  private mask = 63;
  size = 0;

  /** The index stored for the hash, or -1. */
  get(lo: number, hi: number): number {
    const mask = this.mask;
    for (let i = (lo ^ hi) & mask; ; i = (i + 1) & mask) {
      const v = this.val[i]!;
      if (v === 0) return -1;
      if (this.lo[i] === lo && this.hi[i] === hi) return v - 1;
    }
  }

  /** Makes room for `n` entries in all, so that adding them does not rehash. */
  reserve(n: number): void {
    if (n * 2 <= this.mask + 1) return;
    let size = (this.mask + 1) * 2;
    while (n * 2 > size) size *= 2;
    this.resize(size);
  }

  /**
   * Adds `n` hashes not yet in the table, given as words `lo, hi` at `words[at + k * stride]`, with
   * indices `first + k`: one loop, for the thousands of names of a snapshot.
   */
  addMany(words: Int32Array, at: number, stride: number, n: number, first: number): void {
    this.reserve(this.size + n);
    const { lo, hi, val, mask } = this;
    for (let k = 0, p = at; k < n; k++, p += stride) {
      const l = words[p]!, h = words[p + 1]!;
      let i = (l ^ h) & mask;
      while (val[i] !== 0) i = (i + 1) & mask;
      lo[i] = l;
      hi[i] = h;
      val[i] = first + k + 1;
    }
    this.size += n;
  }

  /** Stores `index` for a hash not yet in the table. */
  add(lo: number, hi: number, index: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    this.put(lo, hi, index + 1);
    this.size++;
  }

  private put(lo: number, hi: number, v: number): void {
    const mask = this.mask;
    let i = (lo ^ hi) & mask;
    while (this.val[i] !== 0) i = (i + 1) & mask;
    this.lo[i] = lo;
    this.hi[i] = hi;
    this.val[i] = v;
  }

  /** The table itself, for a snapshot to store (summary.ts): capacity a power of two, `val` index + 1 or 0. */
  slots(): { lo: Int32Array; hi: Int32Array; val: Int32Array } {
    return { lo: this.lo, hi: this.hi, val: this.val };
  }

  /**
   * Takes over a table written by slots() (copies of it: the arrays are the caller's) holding `size`
   * entries. False, and nothing changed, if it cannot be one: a capacity that is not a power of two
   * of at least 64, or more than half full.
   */
  adopt(lo: Int32Array, hi: Int32Array, val: Int32Array, size: number): boolean {
    const n = val.length;
    if (n < 64 || (n & (n - 1)) !== 0 || lo.length !== n || hi.length !== n || size * 2 > n) return false;
    this.lo = lo.slice();
    this.hi = hi.slice();
    this.val = val.slice();
    this.mask = n - 1;
    this.size = size;
    return true;
  }

  /** The hashes of indices 0 to n - 1 (zero for an index not in the table). */
  byIndex(n: number): { lo: Int32Array; hi: Int32Array } {
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    for (let i = 0; i < this.val.length; i++) {
      const v = this.val[i]! - 1;
      if (v >= 0 && v < n) {
        lo[v] = this.lo[i]!;
        hi[v] = this.hi[i]!;
      }
    }
    return { lo, hi };
  }

  private grow(): void {
    this.resize((this.mask + 1) * 2);
  }

  private resize(n: number): void {
    const { lo, hi, val } = this;
    this.lo = new Int32Array(n);
    this.hi = new Int32Array(n);
    this.val = new Int32Array(n);
    this.mask = n - 1;
    for (let i = 0; i < val.length; i++) if (val[i] !== 0) this.put(lo[i]!, hi[i]!, val[i]!);
  }
}
