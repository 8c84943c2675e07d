/**
 * Sources: turning a source map's `sources[i]` (with `sourceRoot`) into the name the frame gets.
 *
 * The map's entries are URLs relative to the map (ECMA-426): `sourceRoot`, when present, is
 * resolved against the map's own URL (a directory, so a trailing `/` is implied), then the
 * entry against that, with `new URL` semantics (`..` and `.` segments collapse, `%XX` decodes).
 * A `file:` result becomes an absolute path. Anything else is returned as a string for the
 * normalizer to judge: an entry with its own scheme (`webpack://app/./src/a.ts`, `http://...`)
 * is returned exactly as written, a relative entry under a non-file `sourceRoot` as the resolved
 * URL.
 *
 * Invariants:
 * - Pure string work: nothing is read, fetched or checked for existence. Traversal
 *   (`../../../../etc/passwd`) yields whatever absolute path it resolves to; the normalizer
 *   reduces paths outside the program root to a base name, and sources are never read.
 * - A null, empty or non-string entry resolves to null (the segment counts as unmapped).
 * - Never throws.
 */

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A URL scheme of two or more letters (one letter is a Windows drive, not a scheme). */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/**
 * Resolves one `sources` entry. `mapUrl` is the URL the map was loaded from: the map file's
 * `file:` URL, or for an inline (data:) map the generated file's `file:` URL.
 */
export function resolveSource(entry: unknown, sourceRoot: unknown, mapUrl: string): string | null {
  if (typeof entry !== 'string' || entry === '') return null;
  try {
    if (SCHEME.test(entry) && !/^file:/i.test(entry)) return entry;
    if (/^[A-Za-z]:[\\/]/.test(entry)) return entry; // a Windows absolute path: leave as written
    let base = mapUrl;
    if (typeof sourceRoot === 'string' && sourceRoot !== '') {
      base = new URL(sourceRoot.endsWith('/') ? sourceRoot : `${sourceRoot}/`, mapUrl).href;
    }
    const url = new URL(entry, base);
    if (url.protocol !== 'file:') return url.href;
    return fileURLToPath(url);
  } catch {
    return fallbackJoin(entry, sourceRoot, mapUrl);
  }
}

/**
 * When URL handling fails (typically a `%` that is not an escape, as in `100%.ts`, which
 * fileURLToPath refuses): join as paths instead, so the entry still names a file.
 */
function fallbackJoin(entry: string, sourceRoot: unknown, mapUrl: string): string {
  const root = typeof sourceRoot === 'string' ? sourceRoot : '';
  try {
    if (!SCHEME.test(root)) return resolve(dirname(fileURLToPath(mapUrl)), root, entry);
  } catch {
    // the map URL itself is not a file URL: fall through to plain concatenation
  }
  if (root === '') return entry;
  return root.endsWith('/') ? root + entry : `${root}/${entry}`;
}
