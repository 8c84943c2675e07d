/**
 * Where things are: the repository, the built bundles under test, and bench/.work/ (gitignored),
 * which holds everything the benchmarks build or write (bundles, stores, results).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH);
export const WORK = join(BENCH, '.work');
export const NODE = process.execPath;
/** The minimal spawner: the floor for rows 1, 2, 3 and 7. */
export const SPAWNER = join(BENCH, 'spawner.cjs');
/** Preloaded with `node -r` into a measured process: writes its own peak RSS on exit. */
export const MAXRSS_PROBE = join(BENCH, 'lib', 'maxrss-probe.cjs');
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The bundles under test: dist/ unless --dist names another directory holding cli.cjs and preload.cjs. */
export function distPaths(dir = join(ROOT, 'dist')) {
  const abs = resolve(dir);
  return { dir: abs, cli: join(abs, 'cli.cjs'), preload: join(abs, 'preload.cjs') };
}

/** An empty directory under bench/.work/. */
export function freshDir(name) {
  const dir = join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function workPath(...parts) {
  mkdirSync(WORK, { recursive: true });
  return join(WORK, ...parts);
}

export { existsSync };
