/**
 * What symbolizing a crash would cost, without paying it: the bytes of source map text its frames'
 * generated files point to. Reading a file's tail and one stat per map; no map is read or parsed.
 * The crash path uses it to decide whether to map now or hand the work to a background process
 * (a 5 MB map takes longer than the ~100 ms a shell should wait after the child exits).
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../traceback/frame.js';
import { isRefusal } from './file.js';
import { readSourceMappingURL } from './locate.js';
import { DEFAULT_MAX_MAP_BYTES } from './read-rule.js';
import { generatedPath } from './symbolizer.js';

/** Sum of the map sizes (inline or on disk) of the distinct generated files in `frames`. Never throws. */
export function sourceMapBytes(frames: readonly Frame[], root: string | null, maxMapBytes = DEFAULT_MAX_MAP_BYTES): number {
  const seen = new Set<string>();
  let total = 0;
  for (const frame of frames) {
    try {
      if (frame.eval === true || frame.native === true) continue;
      const path = generatedPath(frame.file, root);
      if (path === null || seen.has(path)) continue;
      seen.add(path);
      total += mapBytes(path, maxMapBytes);
    } catch {
      // Unknown cost counts as none: the frame stays as it is either way.
    }
  }
  return total;
}

function mapBytes(generated: string, maxMapBytes: number): number {
  const url = readSourceMappingURL(generated, maxMapBytes);
  if (isRefusal(url)) return 0;
  if (url === null) return sizeOf(`${generated}.map`);
  if (/^data:/i.test(url)) return url.length;
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(url) && !/^file:/i.test(url)) return 0;
  try {
    return sizeOf(/^file:/i.test(url) ? fileURLToPath(url) : resolve(dirname(generated), decodeURI(url)));
  } catch {
    return 0;
  }
}

function sizeOf(path: string): number {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : 0;
  } catch {
    return 0;
  }
}
