/**
 * Read rule: which map files the symbolizer may read on behalf of a generated file.
 *
 * A crash's frames, and the sourceMappingURL comments in the files they name, are input the
 * watchdog does not control: a package can ship `//# sourceMappingURL=../../../../etc/shadow`
 * or a 1 GB map. A map file is read only when all of these hold:
 *   1. its name, after resolving symbolic links, ends in `.map`;
 *   2. after resolving symbolic links (realpath), it lies inside an allowed root: the generated
 *      file's package root (the nearest directory at or above the generated file, symlinks
 *      resolved, that holds a package.json; the file system root never counts) or, when there is
 *      none, the generated file's own directory tree;
 *   3. it is a regular file (checked on the open descriptor, so FIFOs, sockets, devices and
 *      directories are refused without blocking or reading);
 *   4. its size is at most maxMapBytes (checked by fstat before any read).
 * Rule 1 is what keeps a careless package.json in a home directory from opening the whole home
 * to the rule 2 check: keys, tokens and shell histories are not named `*.map`.
 *
 * Nothing here fetches: URLs other than `file:` never reach this module (see locate.ts).
 *
 * Invariants: no byte of a file is read before all four checks pass; the check and the read
 * use the same descriptor (rule 3 and 4), opened with O_NOFOLLOW on the realpath; failures are
 * values, never exceptions. Known gap: a directory component swapped for a symlink between the
 * realpath and the open is followed (Node has no openat2/RESOLVE_BENEATH); only someone who can
 * already write inside the package can do that, and they could rewrite the map anyway.
 */

import { realpathSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { type Refusal, readWholeFile } from './file.js';

/** Default bound on a map's size, and on an inline map's decoded size. */
export const DEFAULT_MAX_MAP_BYTES = 64 * 1024 * 1024;

/** Caches package-root lookups per directory for the life of one Symbolizer. */
export type RootCache = Map<string, string | null>;

/**
 * The allowed roots for maps of the generated file at `generatedPath` (an absolute path):
 * the package root of its real location, else its real directory; plus the real directory of
 * the path as given when that differs (a symlinked file whose map sits beside the link).
 */
export function allowedRoots(generatedPath: string, cache: RootCache): string[] {
  const roots = new Set<string>();
  let realFile: string | null = null;
  try {
    realFile = realpathSync(generatedPath);
  } catch {
    // keep going with the directory as given
  }
  if (realFile !== null) {
    const realDir = dirname(realFile);
    roots.add(packageRoot(realDir, cache) ?? realDir);
  }
  try {
    const givenDir = realpathSync(dirname(generatedPath));
    roots.add(packageRoot(givenDir, cache) ?? givenDir);
  } catch {
    // a directory that cannot be resolved contributes nothing
  }
  return [...roots];
}

/** The nearest directory at or above `dir` (a real path) with a package.json; never `/`. */
export function packageRoot(dir: string, cache: RootCache): string | null {
  const visited: string[] = [];
  let current = dir;
  let found: string | null = null;
  for (;;) {
    const cached = cache.get(current);
    if (cached !== undefined) {
      found = cached;
      break;
    }
    visited.push(current);
    const parent = dirname(current);
    if (parent === current) break; // the file system root does not count as a package root
    if (isFile(join(current, 'package.json'))) {
      found = current;
      break;
    }
    current = parent;
  }
  for (const d of visited) cache.set(d, found);
  return found;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** True when `path` is `root` or lies below it (both real, absolute paths). */
export function isInside(path: string, root: string): boolean {
  if (path === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return path.startsWith(prefix);
}

/**
 * Reads the map file at `candidate` (an absolute path) if the read rule allows it; the UTF-8
 * text, or why not.
 */
export function readMapFile(candidate: string, roots: readonly string[], maxMapBytes: number): string | Refusal {
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch (error) {
    return { refused: `cannot resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (!real.endsWith('.map')) return { refused: 'name does not end in .map' };
  if (!roots.some((root) => isInside(real, root))) return { refused: 'outside the package root' };
  const bytes = readWholeFile(real, maxMapBytes, true);
  if (!Buffer.isBuffer(bytes)) return bytes;
  return bytes.toString('utf8');
}
