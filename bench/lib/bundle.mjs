/** Bundles the bench's programs with esbuild's JS API into bench/.work/ (no build step of our own). */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { ROOT } from './paths.mjs';

/** One CommonJS bundle for Node 20; returns its size and, with a source map, the map's size. */
export async function bundle({ entry, outfile, minify = false, sourcemap = false }) {
  await build({
    entryPoints: [entry],
    outfile,
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify,
    sourcemap: sourcemap ? 'linked' : false,
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'error',
  });
  return { bytes: statSync(outfile).size, mapBytes: sourcemap ? statSync(`${outfile}.map`).size : 0 };
}
