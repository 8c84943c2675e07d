/**
 * Program identities as path components: `<enc(name)>@<enc(version)>`.
 *
 * enc() is reversible and yields a safe single path component for any string, on any file
 * system the store may live on:
 *   - a-z, 0-9, `_` and `-` stand for themselves, and so does `.` except as the first or last
 *     character (so no component is `.`/`..`, hidden, or loses a trailing dot on Windows);
 *   - A-Z is written `!` + the lower-case letter (as Go's module cache does), so two names that
 *     differ only in case never meet in one directory on a case-insensitive file system;
 *   - every other UTF-8 byte is `%XX`, upper-case hex; `@` is always escaped, so the first `@`
 *     of a component separates name and version.
 * decode() accepts exactly the canonical outputs of enc() and returns null for anything else, so
 * foreign directories are never mistaken for store directories.
 *
 * Names and versions come from package.json or a command's base name: untrusted strings. They are
 * cut (at a character boundary) to 214 characters for the name and 64 for the version, and further
 * until the encoded component fits in NAME_MAX (255 bytes): at most 200 bytes for the name and 54
 * for the version. The cut identity is what the store records and reports.
 */
import type { ProgramId } from './types.js';

export const MAX_PROGRAM_CHARS = 214;
export const MAX_VERSION_CHARS = 64;
export const MAX_PROGRAM_ENCODED = 200;
export const MAX_VERSION_ENCODED = 54;

const HEX = '0123456789ABCDEF';

function plain(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
}

/** The encoding of byte `b`, found at index `i` of a string of `n` UTF-8 bytes. */
function encodeByte(b: number, i: number, n: number): string {
  if (plain(b)) return String.fromCharCode(b);
  if (b === 0x2e && i > 0 && i < n - 1) return '.';
  if (b >= 0x41 && b <= 0x5a) return '!' + String.fromCharCode(b + 32);
  return '%' + HEX[b >> 4]! + HEX[b & 15]!;
}

/** The path-component encoding of `s`. */
export function enc(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += encodeByte(bytes[i]!, i, bytes.length);
  return out;
}

/** The string `enc()` made `c` from, or null when `c` is not a canonical encoding. */
/** A component that is its own canonical encoding. */
const PLAIN = /^[a-z0-9_-](?:[a-z0-9_.-]*[a-z0-9_-])?$/;

export function dec(c: string): string | null {
  // Lower-case letters, digits, `_`, `-` and inner dots stand for themselves (the usual case).
  if (PLAIN.test(c)) return c;
  const bytes: number[] = [];
  for (let i = 0; i < c.length; i++) {
    const ch = c.charCodeAt(i);
    if (ch === 0x21) {
      const l = c.charCodeAt(++i);
      if (!(l >= 0x61 && l <= 0x7a)) return null;
      bytes.push(l - 32);
    } else if (ch === 0x25) {
      const hi = HEX.indexOf(c[i + 1] ?? 'x');
      const lo = HEX.indexOf(c[i + 2] ?? 'x');
      if (hi < 0 || lo < 0) return null;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (plain(ch) || ch === 0x2e) {
      bytes.push(ch);
    } else {
      return null;
    }
  }
  const s = Buffer.from(bytes).toString('utf8');
  // Canonical only: rejects `%41` for `a`, a bare leading dot, invalid UTF-8, and so on.
  return enc(s) === c ? s : null;
}

/** `s` cut to at most `chars` characters (code points) whose encoding fits in `encoded` bytes. */
function cut(s: string, chars: number, encoded: number): string {
  s = Buffer.from(s, 'utf8').toString('utf8'); // lone surrogates become U+FFFD, as on disk
  if (s.length <= chars && enc(s).length <= encoded) return s;
  let out = '';
  let count = 0;
  for (const ch of s) {
    if (count === chars || enc(out + ch).length > encoded) break;
    out += ch;
    count++;
  }
  return out;
}

/** The identity the store records for `id`: name and version cut to their bounds. */
export function normalizeProgram(id: ProgramId): ProgramId {
  return {
    name: cut(String(id.name), MAX_PROGRAM_CHARS, MAX_PROGRAM_ENCODED),
    version: cut(String(id.version), MAX_VERSION_CHARS, MAX_VERSION_ENCODED),
  };
}

/** The directory name of a (normalized) program. */
export function programDirName(id: ProgramId): string {
  return `${enc(id.name)}@${enc(id.version)}`;
}

/** The program a directory name stands for, or null if it is not one of ours. */
export function parseProgramDirName(c: string): ProgramId | null {
  const at = c.indexOf('@');
  if (at < 0) return null;
  const name = dec(c.slice(0, at));
  const version = dec(c.slice(at + 1));
  if (name === null || version === null) return null;
  return { name, version };
}
