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
    while (n * 2 > this.mask + 1) this.grow();
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

  private grow(): void {
    const { lo, hi, val } = this;
    const n = (this.mask + 1) * 2;
    this.lo = new Int32Array(n);
    this.hi = new Int32Array(n);
    this.val = new Int32Array(n);
    this.mask = n - 1;
    for (let i = 0; i < val.length; i++) if (val[i] !== 0) this.put(lo[i]!, hi[i]!, val[i]!);
  }
}
