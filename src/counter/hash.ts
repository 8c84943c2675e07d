/**
 * The identity of a counter name: the first 8 bytes of SHA-256 over its UTF-8 bytes.
 *
 * SHA-256 (FIPS 180-4) is computed here in plain JavaScript because loading `node:crypto` costs
 * 4-6 ms in a fresh Node 20 process, more than a whole increment is allowed to take, while hashing
 * one name of a few hundred bytes in JavaScript costs microseconds. Only the first two 32-bit words
 * of the digest are kept; on disk they are written big-endian, i.e. as the digest's first 8 bytes.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Int32Array(64);
const H = new Int32Array(8);

/** SHA-256 of `data`; returns the full 32-byte digest. */
export function sha256(data: Uint8Array): Uint8Array {
  H[0] = 0x6a09e667; H[1] = 0xbb67ae85 | 0; H[2] = 0x3c6ef372; H[3] = 0xa54ff53a | 0;
  H[4] = 0x510e527f; H[5] = 0x9b05688c | 0; H[6] = 0x1f83d9ab; H[7] = 0x5be0cd19;
  const len = data.length;
  const full = len >>> 6; // complete 64-byte blocks taken straight from data
  // The last one or two blocks: the remaining bytes, 0x80, zeros, the bit length (big-endian u64).
  const restLen = len - full * 64;
  const tail = new Uint8Array(restLen < 56 ? 64 : 128);
  tail.set(data.subarray(full * 64), 0);
  tail[restLen] = 0x80;
  const bitsHi = Math.floor(len / 0x20000000); // len * 8 / 2^32
  const bitsLo = (len << 3) >>> 0;
  const t = tail.length;
  tail[t - 8] = bitsHi >>> 24; tail[t - 7] = bitsHi >>> 16; tail[t - 6] = bitsHi >>> 8; tail[t - 5] = bitsHi;
  tail[t - 4] = bitsLo >>> 24; tail[t - 3] = bitsLo >>> 16; tail[t - 2] = bitsLo >>> 8; tail[t - 1] = bitsLo;
  for (let b = 0; b < full; b++) block(data, b * 64);
  for (let p = 0; p < t; p += 64) block(tail, p);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const h = H[i]!;
    out[i * 4] = h >>> 24; out[i * 4 + 1] = h >>> 16; out[i * 4 + 2] = h >>> 8; out[i * 4 + 3] = h;
  }
  return out;
}

function block(src: Uint8Array, p: number): void {
  for (let i = 0; i < 16; i++, p += 4) W[i] = (src[p]! << 24) | (src[p + 1]! << 16) | (src[p + 2]! << 8) | src[p + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0; H[1] = (H[1]! + b) | 0; H[2] = (H[2]! + c) | 0; H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0; H[5] = (H[5]! + f) | 0; H[6] = (H[6]! + g) | 0; H[7] = (H[7]! + h) | 0;
}

/** The 8-byte identity of a name given as UTF-8 bytes: the first 8 bytes of its SHA-256. */
export function nameHash(nameBytes: Uint8Array): Uint8Array {
  return sha256(nameBytes).subarray(0, 8);
}
