import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COUNT_RECORD_SIZE,
  MAX_NAME_BYTES,
  Records,
  check,
  decodeCounts,
  decodeNames,
  describeDamage,
  encodeCount,
  encodeName,
  sumCounts,
  validCount,
  validName,
} from '../../src/counter/format.js';
import { nameHash, sha256 } from '../../src/counter/hash.js';
import { HashIndex } from '../../src/counter/table.js';
import { prng } from './helpers.js';

/** MurmurHash3_x86_32 as published (any length, any seed), to check the store's check() against. */
function murmur3(data: Uint8Array, seed: number): number {
  let h = seed | 0;
  const nblocks = data.length >> 2;
  const mix = (k: number): number => Math.imul(((Math.imul(k, 0xcc9e2d51) << 15) | (Math.imul(k, 0xcc9e2d51) >>> 17)), 0x1b873593);
  for (let i = 0; i < nblocks; i++) {
    const k = data[i * 4]! | (data[i * 4 + 1]! << 8) | (data[i * 4 + 2]! << 16) | (data[i * 4 + 3]! << 24);
    h ^= mix(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const t = nblocks * 4;
  switch (data.length & 3) {
    case 3: k ^= data[t + 2]! << 16; // falls through
    case 2: k ^= data[t + 1]! << 8; // falls through
    case 1: k ^= data[t]!; h ^= mix(k);
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('check', () => {
  it('is MurmurHash3_x86_32: the published test vectors', () => {
    expect(murmur3(new Uint8Array(0), 0)).toBe(0);
    expect(murmur3(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(murmur3(new Uint8Array(0), 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3(new Uint8Array(4), 0)).toBe(0x2362f9de);
    expect(murmur3(Buffer.from('aaaa'), 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3(Buffer.from('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
    expect(murmur3(Buffer.from('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd);
    expect(check(new Uint8Array(4), 0, 4) >>> 0).toBe(0x2362f9de);
  });

  it('equals MurmurHash3_x86_32 with seed 0 on any multiple of 4 bytes, at any offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(7), (data, pad) => {
        const len = data.length & ~3;
        const b = new Uint8Array(pad + data.length);
        b.set(data, pad);
        expect(check(b, pad, len) >>> 0).toBe(murmur3(data.subarray(0, len), 0));
      }),
      { numRuns: 500 },
    );
  });
});

describe('hash', () => {
  it('is SHA-256 (FIPS 180-4), checked against node:crypto at every padding boundary', () => {
    for (let n = 0; n < 300; n++) {
      const data = Buffer.alloc(n, n % 251);
      expect(Buffer.from(sha256(data)).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (data) => {
        expect(Buffer.from(sha256(data)).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      }),
      { numRuns: 200 },
    );
    expect(Buffer.from(nameHash(Buffer.from('crash/crash'))).toString('hex')).toBe(createHash('sha256').update('crash/crash').digest('hex').slice(0, 16));
  });
});

describe('records', () => {
  it('increment: 20 bytes, magic, hash, delta, check', () => {
    const h = nameHash(Buffer.from('x'));
    const r = encodeCount(h, 0xfffffffe);
    expect(r.length).toBe(COUNT_RECORD_SIZE);
    expect([...r.subarray(0, 4)]).toEqual([0xff, 0x57, 0x43, 0x31]);
    expect(r.subarray(4, 12).equals(Buffer.from(h))).toBe(true);
    expect(r.readUInt32LE(12)).toBe(0xfffffffe);
    expect(r.readUInt32LE(16)).toBe(murmur3(r.subarray(0, 16), 0));
    expect(validCount(r, 0, r.length)).toBe(true);
    expect(validCount(r, 0, r.length - 1)).toBe(false);
  });

  it('definition: magic, length, hash, padded name, check', () => {
    for (const name of ['', 'a', 'ab', 'abc', 'abcd', 'crash/crash\nsrc/a.ts:f:+1', 'é'.repeat(2000)]) {
      const b = Buffer.from(name);
      const h = nameHash(b);
      const r = encodeName(b, h);
      const padded = (b.length + 3) & ~3;
      expect(r.length).toBe(20 + padded);
      expect([...r.subarray(0, 4)]).toEqual([0xff, 0x57, 0x4e, 0x31]);
      expect(r.readUInt32LE(4)).toBe(b.length);
      expect(r.subarray(8, 16).equals(Buffer.from(h))).toBe(true);
      expect(r.subarray(16, 16 + b.length).toString()).toBe(name);
      expect(r.subarray(16 + b.length, 16 + padded).every((x) => x === 0)).toBe(true);
      expect(r.readUInt32LE(16 + padded)).toBe(murmur3(r.subarray(0, 16 + padded), 0));
      expect(validName(r, 0, r.length)).toBe(r.length);
      expect(validName(r, 0, r.length - 1)).toBe(0);
    }
    expect(() => encodeName(Buffer.alloc(MAX_NAME_BYTES + 1), new Uint8Array(8))).toThrow(RangeError);
    expect(validName(encodeName(Buffer.alloc(MAX_NAME_BYTES, 0x61), new Uint8Array(8)), 0, 20 + MAX_NAME_BYTES)).toBe(20 + MAX_NAME_BYTES);
  });

  it('decode the same records aligned and unaligned', () => {
    const recs = [1, 2, 3, 4, 5].map((i) => encodeCount(nameHash(Buffer.from(`n${i}`)), i));
    for (let shift = 0; shift < 8; shift++) {
      const file = Buffer.concat([Buffer.alloc(shift, 0x55), ...recs]);
      // A Buffer whose byteOffset is odd forces the byte-by-byte path throughout.
      for (const base of [0, 1]) {
        const backing = Buffer.alloc(file.length + base);
        file.copy(backing, base);
        const view = backing.subarray(base);
        const r = new Records();
        decodeCounts(view, view.length, r);
        expect(r.n).toBe(5);
        expect([...r.value.subarray(0, 5)]).toEqual([1, 2, 3, 4, 5]);
        expect([...r.offset.subarray(0, 5)]).toEqual([0, 20, 40, 60, 80].map((o) => o + shift));
        expect(r.damage).toEqual(shift ? [0, shift] : []);
      }
    }
  });

  it('describe damage in one line', () => {
    const r = new Records();
    const rec = encodeCount(new Uint8Array(8), 1);
    decodeCounts(Buffer.concat([rec, rec.subarray(0, 7)]), 27, r);
    expect(describeDamage(r)).toBe('skipped 7 damaged bytes at offset 20 (to end of file)');
    decodeCounts(Buffer.concat([Buffer.from('x'), rec, Buffer.from('yy'), rec]), 43, r);
    expect(describeDamage(r)).toBe('skipped 3 damaged bytes in 2 stretches, first at offset 0');
    decodeCounts(rec, 20, r);
    expect(describeDamage(r)).toBe('');
  });

  it('names: keep intact definitions around damage', () => {
    const defs = ['a', 'bb', 'ccc', 'dddd', 'eeeee'].map((n) => encodeName(Buffer.from(n), nameHash(Buffer.from(n))));
    const file = Buffer.concat([defs[0]!, Buffer.from('junk'), defs[1]!, defs[2]!.subarray(0, 10), defs[3]!, defs[4]!]);
    const r = new Records();
    decodeNames(file, file.length, r);
    const names = Array.from({ length: r.n }, (_, k) => file.toString('utf8', r.offset[k]! + 16, r.offset[k]! + 16 + r.value[k]!));
    expect(names).toEqual(['a', 'bb', 'dddd', 'eeeee']);
    expect(r.damagedBytes()).toBe(14);
  });
});

describe('sumCounts, the fast path', () => {
  it('sums exactly what decodeCounts decodes, whatever the damage', () => {
    const names = ['a', 'b', 'c', 'd'].map((n) => nameHash(Buffer.from(n)));
    const index = new HashIndex();
    names.slice(0, 3).forEach((h, i) => index.add(words(h)[0], words(h)[1], i)); // d has no index
    const rnd = prng(5);
    // Mostly repeated records (same name and delta: the case the check cache skips), some others.
    const recs = Array.from({ length: 60 }, (_, k) => encodeCount(names[k % 7 === 6 ? 3 : k % 3]!, k % 5 === 0 ? 2 : 1));
    const good = Buffer.concat(recs);
    const seen = new Int32Array(2 * 8);
    for (let iter = 0; iter < 3000; iter++) {
      let b = Buffer.from(good);
      const kind = rnd.int(4);
      if (kind === 0) for (let f = 1 + rnd.int(3); f > 0; f--) { const at = rnd.int(b.length); b[at] = (b[at]! + 1 + rnd.int(255)) & 255; }
      if (kind === 1) { const at = rnd.int(b.length); b = Buffer.concat([b.subarray(0, at), Buffer.from([rnd.int(256)]), b.subarray(at)]); }
      if (kind === 2) b = b.subarray(0, rnd.int(b.length + 1));
      // kind 3: intact. The cache carries over from file to file, as it does in the reader.
      const sums = new Float64Array(8);
      const rest = new Records();
      sumCounts(b, b.length, index, sums, seen, rest);
      for (let k = 0; k < rest.n; k++) {
        const i = index.get(rest.lo[k]!, rest.hi[k]!);
        sums[i < 0 ? 7 : i]! += rest.value[k]!;
      }
      const ref = new Records();
      decodeCounts(b, b.length, ref);
      const want = new Float64Array(8);
      for (let k = 0; k < ref.n; k++) {
        const i = index.get(ref.lo[k]!, ref.hi[k]!);
        want[i < 0 ? 7 : i]! += ref.value[k]!;
      }
      expect([...sums]).toEqual([...want]);
      expect(rest.damage).toEqual(ref.damage);
    }
  });
});

function words(h: Uint8Array): [number, number] {
  const b = Buffer.from(h);
  return [b.readInt32LE(0), b.readInt32LE(4)];
}
