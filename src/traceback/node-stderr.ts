/**
 * Node's own stderr report of an uncaught error, exactly as Node prints it (for a Node tool whose
 * crash arrives as text: launched through a shell script, or run without the preload):
 *
 *   /home/u/tool/lib/index.js:13                     <- where it was thrown
 *       throw new ConfigError('bad config', { cause });
 *       ^
 *                                                    <- blank
 *   ConfigError: bad config                          <- header, the message may span lines
 *   second line of the message
 *       at Object.load (/home/u/tool/lib/index.js:13:11)
 *       at readSettings (/home/u/tool/src/cli.js:5:16)
 *       ... 6 lines matching cause stack trace ...
 *       at node:internal/main/run_main_module:28:49 {
 *     code: 'E_CONFIG',                              <- properties, `[cause]: ...` with its own
 *     [cause]: SyntaxError: ...                         stack: not this error's frames
 *   }
 *
 *   Node.js v20.20.2                                 <- trailer (Node 18+)
 *
 * The `at` lines, the header's class, the properties block and the trailer are read by v8.ts
 * (parseV8Text); this module adds what is specific to the whole report:
 *  - kind `exception`; `unhandledRejection` when Node wrapped a non-error rejection reason
 *    (`UnhandledPromiseRejection: ...`, or `[UnhandledPromiseRejection: ...]` before Node 20),
 *    with errorClass `UnhandledPromiseRejection` (the reason itself is in the message: never kept);
 *  - a thrown non-error (`throw 'text'`) has no `at` lines: the `file:line` Node prints first is
 *    then the one frame (no function name);
 *  - heap exhaustion (`FATAL ERROR: ... JavaScript heap out of memory`, after `<--- JS stacktrace
 *    --->`) is the NamedCrash `crash/oom`; another `FATAL ERROR:` is kind `fatal error` without
 *    frames.
 *
 * Never throws; looks at the last MAX_LINES lines (MAX_TAIL_CHARS characters) of the text.
 */
import type { Frame, ParsedCrash } from './frame.js';
import { MAX_LINE, isBlank, splitLocation, tailLines, textFrame } from './text-lines.js';
import { parseV8Text } from './v8.js';

/**
 * Cheap check: Node's `Node.js v20.1.0` trailer, a `FATAL ERROR:` line, or the report's opening
 * `file:line` / code / caret lines.
 */
export function recogniseNodeStderr(text: string): boolean {
  if (typeof text !== 'string') return false;
  const { lines } = tailLines(text);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.length > MAX_LINE) continue;
    if (isTrailer(l) || l.startsWith('FATAL ERROR: ') || l === '<--- JS stacktrace --->') return true;
    if (excerptAt(lines, i) !== null) return true;
  }
  return false;
}

/** The uncaught error the text ends with; see the module comment. Never throws. */
export function parseNodeStderr(text: string): ParsedCrash {
  try {
    return parse(typeof text === 'string' ? text : '');
  } catch {
    return { type: 'unparsed' };
  }
}

function parse(text: string): ParsedCrash {
  const view = tailLines(text);
  const lines = view.lines;
  let fatal: string | null = null;
  for (const l of lines) {
    if (l.startsWith('FATAL ERROR: ') && l.length <= MAX_LINE) fatal = l;
  }
  if (fatal !== null) {
    if (fatal.includes('out of memory') || fatal.includes('Allocation failed')) {
      return { type: 'counter', name: 'crash/oom', runtime: 'node', entry: null };
    }
    return { type: 'stack', kind: 'fatal error', errorClass: null, frames: [], runtime: 'node', runtimeVersion: trailerVersion(lines), entry: null };
  }
  const tail = view.starts.length > 0 ? text.slice(view.starts[0]) : '';
  const stack = parseV8Text(tail);
  let kind = 'exception';
  let errorClass = stack.errorClass;
  if (errorClass === 'UnhandledPromiseRejection' || lines.some((l) => l.startsWith('[UnhandledPromiseRejection: '))) {
    kind = 'unhandledRejection';
    errorClass = 'UnhandledPromiseRejection';
  }
  let frames: Frame[] = stack.frames;
  if (frames.length === 0) {
    // `throw 'text'`: no stack, only the place Node printed first.
    for (let i = lines.length - 1; i >= 0; i--) {
      const where = excerptAt(lines, i);
      if (where !== null) {
        frames = [textFrame(where.file, null, where.line)];
        break;
      }
    }
  }
  return { type: 'stack', kind, errorClass, frames, runtime: 'node', runtimeVersion: stack.runtimeVersion ?? trailerVersion(lines), entry: null };
}

function isTrailer(line: string): boolean {
  return line.startsWith('Node.js v') && /^Node\.js v\d/.test(line.slice(0, 16));
}

function trailerVersion(lines: string[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^Node\.js (v\d{1,4}\.\d{1,6}\.\d{1,6}(?:-[\w.]{1,32})?)\s*$/.exec(lines[i]!.slice(0, 128));
    if (m) return m[1] ?? null;
  }
  return null;
}

/**
 * Node's opening lines at i: `<file>:<line>` (an absolute path, a `file://` URL, a `node:` module,
 * a Windows path), the code line, a caret line. Returns the file and line, or null.
 */
function excerptAt(lines: string[], i: number): { file: string; line: number } | null {
  const l = lines[i]!;
  if (l.length > MAX_LINE || isBlank(l) || l.startsWith(' ')) return null;
  if (!(l.startsWith('/') || l.startsWith('file://') || l.startsWith('node:') || /^[A-Za-z]:[\\/]/.test(l))) return null;
  const caret = lines[i + 2];
  if (caret === undefined || !/^[ \t]*\^+[ \t]*$/.test(caret)) return null;
  const where = splitLocation(l.trimEnd(), false);
  if (where === null || where.file === '') return null;
  return { file: where.file, line: where.line };
}
