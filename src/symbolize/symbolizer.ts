/**
 * Symbolizer: a crash's frames, as the runtime reported them (positions in generated JavaScript),
 * mapped to the original sources through source maps on the local disk.
 *
 * For a frame whose file is a local path or `file:` URL, the generated file's map is located
 * (locate.ts, under the read rule of read-rule.ts), parsed (load.ts) and cached for the life of
 * the Symbolizer, then:
 *   - the call position maps by greatest lower bound on its generated line; if it does not map,
 *     the frame is returned unchanged, whole;
 *   - the enclosing position (where the function starts) maps the same way, else to the first
 *     mapping on its generated line. It is kept only if it lands in the same source as the call,
 *     at or before the call's line (a function starts before its code runs); otherwise the mapped
 *     frame gets enclosingLine/enclosingColumn null, which the normalizer renders as an absolute
 *     line (`path:fn:N`). A mapped line is never paired with an unmapped enclosing line.
 *   - module top-level code (`toplevel`) has no function: its enclosing position becomes line 1,
 *     column 1 of the original source (in a bundle, the generated top level mixes many modules);
 *     and a function without an identifier for a name whose start maps to 1:1 of its source is
 *     module code a bundler wrapped: it becomes `toplevel` with no name (esbuild names such
 *     wrappers after the module's path, which would otherwise reach the counter);
 *   - the function name stays V8's unless the map records a different original name at the
 *     identifier V8 reported (minified code; see names.ts).
 * Frames without a file or line, `node:` frames, eval and native frames, and anything that is
 * not a local path pass through unchanged (the same object).
 *
 * Invariants: symbolize never throws and never mutates its argument; it returns either the
 * frame itself or a new frame whose file, line, column and enclosing position all come from one
 * source map; nothing is fetched; each generated file's map is located and parsed at most once.
 */

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../traceback/frame.js';
import { isRefusal } from './file.js';
import { GeneratedText } from './generated-text.js';
import { type LoadedMap, parseSourceMap } from './load.js';
import { locateSourceMap } from './locate.js';
import { TEXT_AFTER, TEXT_BEFORE, recoverName } from './names.js';
import { DEFAULT_MAX_MAP_BYTES, type RootCache } from './read-rule.js';

export interface SymbolizerOptions {
  /**
   * Largest source map read, in bytes (default 64 MiB), for map files and for the decoded text of
   * inline maps; larger ones are refused by size before any read. Also bounds the generated file
   * when it is read whole to recover minified function names.
   */
  maxMapBytes?: number;
}

export interface Symbolizer {
  /**
   * The frame mapped to its original source, or the frame itself when it cannot be mapped.
   * `root` is the program root: a relative frame path is resolved against it (null: left alone).
   */
  symbolize(frame: Frame, root: string | null): Frame;
}

interface Entry {
  map: LoadedMap | null;
  text: GeneratedText | null;
}

export function createSymbolizer(options: SymbolizerOptions = {}): Symbolizer {
  const requested = options.maxMapBytes;
  const maxMapBytes = typeof requested === 'number' && requested >= 0 ? requested : DEFAULT_MAX_MAP_BYTES;
  const entries = new Map<string, Entry>();
  const rootCache: RootCache = new Map();

  function entry(path: string): Entry {
    let found = entries.get(path);
    if (found === undefined) {
      found = { map: null, text: null };
      const located = locateSourceMap(path, { maxMapBytes, rootCache });
      if (!isRefusal(located)) found.map = parseSourceMap(located.text, located.url);
      entries.set(path, found);
    }
    return found;
  }

  function symbolize(frame: Frame, root: string | null): Frame {
    try {
      if (frame.eval === true || frame.native === true || frame.line === null) return frame;
      const path = generatedPath(frame.file, root);
      if (path === null) return frame;
      const e = entry(path);
      if (e.map === null) return frame;
      return mapFrame(frame, e, path, maxMapBytes) ?? frame;
    } catch {
      return frame;
    }
  }

  return { symbolize };
}

/** The absolute path a frame's file names, or null when it is not a local file. */
export function generatedPath(file: string | null, root: string | null): string | null {
  if (typeof file !== 'string' || file === '') return null;
  if (/^file:/i.test(file)) {
    try {
      return fileURLToPath(file);
    } catch {
      return null;
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(file)) return null; // node:, http:, data:, webpack:, ...
  if (isAbsolute(file)) return file;
  if (root === null || !isAbsolute(root) || file.startsWith('<') || file.startsWith('[')) return null;
  return resolve(root, file);
}

function mapFrame(frame: Frame, e: Entry, path: string, maxMapBytes: number): Frame | null {
  const map = e.map!;
  const line = frame.line!;
  const call = frame.column === null ? map.firstOnLine(line) : map.lookup(line, frame.column);
  if (call === null) return null;

  let enclosingLine: number | null = null;
  let enclosingColumn: number | null = null;
  let fn = frame.function;
  if (frame.enclosingLine !== null) {
    if (frame.toplevel === true) {
      enclosingLine = 1;
      enclosingColumn = 1;
    } else {
      const column = frame.enclosingColumn ?? 1;
      const start = map.lookup(frame.enclosingLine, column) ?? map.firstOnLine(frame.enclosingLine);
      if (start !== null && start.source === call.source && start.line <= call.line) {
        enclosingLine = start.line;
        enclosingColumn = frame.enclosingColumn === null ? null : start.column;
      }
      if (map.hasNames && fn !== null && fn !== '' && frame.enclosingColumn !== null) {
        e.text ??= new GeneratedText(path, maxMapBytes);
        const line = frame.enclosingLine;
        const window = e.text.around(line, frame.enclosingColumn, TEXT_BEFORE, TEXT_AFTER);
        if (window !== null) {
          const shift = window.column - 1;
          const recovered = recoverName(window.text, frame.enclosingColumn - shift, fn, (col) => {
            const at = map.lookup(line, col + shift);
            return at !== null && at.generatedColumn === col + shift ? at.name : null;
          });
          if (recovered !== null) fn = recovered;
        }
      }
    }
  }

  const mapped: Frame = {
    ...frame,
    file: call.source,
    function: fn,
    line: call.line,
    column: frame.column === null ? null : call.column,
    enclosingLine,
    enclosingColumn,
  };
  if (frame.toplevel !== true && enclosingLine === 1 && enclosingColumn === 1 && !isIdentifier(fn)) {
    // A function starting at the very first character of its source with no name of its own is
    // that module's code wrapped by a bundler (esbuild's __commonJS/__esm, webpack's module
    // functions); esbuild even names the wrapper after the module's path relative to the build's
    // working directory. Module code, as it would be unbundled.
    mapped.toplevel = true;
    mapped.function = null;
  }
  return mapped;
}

/** A plain identifier (what a function declaration, method or binding can be called). */
function isIdentifier(name: string | null): boolean {
  return name !== null && /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(name);
}
