/** Shared by the counter tests: temporary stores, a seeded PRNG, and a bundle of the store for child processes. */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function tempDir(prefix = 'wd-counter-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** xorshift32: deterministic, seeded. */
export function prng(seed: number): { next: () => number; int: (n: number) => number } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/** Bundles the TypeScript module `entry` (absolute) into a CommonJS file that plain `node` can require. */
export async function bundleForNode(entry: string, outfile: string): Promise<string> {
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'error', define: { __WATCHDOG_VERSION__: '"test"' } });
  return outfile;
}

/** Bundles src/counter/store.ts (openStore) into a CommonJS file that plain `node` can require. */
export async function bundleStore(outDir: string): Promise<string> {
  return bundleForNode(fileURLToPath(new URL('../../src/counter/store.ts', import.meta.url)), join(outDir, 'store.cjs'));
}

/** Every file under `dir`, recursively, relative paths. */
export function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel))) {
    const r = rel ? `${rel}/${e}` : e;
    if (statSync(join(dir, r)).isDirectory()) out.push(r + '/', ...walk(dir, r));
    else out.push(r);
  }
  return out;
}

export function bytes(path: string): Buffer {
  return readFileSync(path);
}
