/**
 * Python crash text -> frames, innermost first. Three shapes:
 *
 * 1. An uncaught exception (what the interpreter prints on stderr, every CPython 3.x):
 *
 *      Traceback (most recent call last):                      <- header
 *        File "/home/u/tool/cli.py", line 12, in main          <- frame, OUTERMOST first
 *          run()                                               <- source line (skipped)
 *          ^^^^^                                               <- 3.11+ carets (skipped)
 *        [Previous line repeated 996 more times]               <- (skipped)
 *      mytool.errors.ConfigError: bad value 'x'                <- class: the part before `:`
 *
 *    Chained exceptions (`During handling of the above exception, another exception occurred:`,
 *    `The above exception was the direct cause of the following exception:`) print one traceback
 *    per exception, the one that ended the program LAST: the last top-level header wins. A header
 *    directly after the previous traceback's exception line is part of that exception's message
 *    (`raise X(f"failed:\n{traceback.format_exc()}")`) and is skipped.
 *
 *    Exception groups (3.11+) print the group's own traceback with a `  | ` margin and each
 *    sub-exception in a numbered `+---- 1 ----` block. The group's traceback is the one taken: it is
 *    where the group was raised and escaped, the sub-exceptions were caught and collected before;
 *    errorClass is the group's class (`ExceptionGroup`, or a subclass).
 *
 * 2. A faulthandler dump (`python -X faulthandler`, PYTHONFAULTHANDLER, or faulthandler.enable()):
 *
 *      Fatal Python error: Segmentation fault
 *      Current thread 0x00007f... (most recent call first):    <- the crashing thread's block
 *        File "/home/u/x.py", line 3 in f                      <- INNERMOST first, no comma
 *
 *    kind `signal` with errorClass `SIGSEGV`, `SIGFPE`, `SIGABRT`, `SIGBUS` or `SIGILL` for the
 *    signal faulthandler names; any other fatal error is kind `fatal error`, errorClass null.
 *
 * 3. A SyntaxError in the main script (no traceback at all): `  File "x.py", line 2`, the source
 *    and caret lines, then `SyntaxError: ...`: one frame, module level.
 *
 * When a text holds several, the one printed last is the crash.
 *
 * Frames: file as printed (`/usr/lib/python3.11/json/decoder.py`, `<frozen runpy>`, `<string>`),
 * function as printed (`<module>` becomes a toplevel frame without a name; `<lambda>`,
 * `<listcomp>` stay), absolute line. Nothing is dropped: standard-library frames keep their
 * module name (see src/stack/foreign-paths.ts).
 *
 * errorClass is the exception's type as Python prints it: the bare name for built-ins and
 * `__main__` (`ValueError`), module-qualified otherwise (`json.decoder.JSONDecodeError`). It is
 * code, never data; the message after the colon is never read past the colon.
 *
 * Never throws; looks at the last MAX_LINES lines (and MAX_TAIL_CHARS characters) of the text.
 */
import type { Frame, ParsedCrash } from './frame.js';
import { MAX_FOREIGN_FRAMES, MAX_LINE, isBlank, parseCount, tailLines, textFrame } from './text-lines.js';

const HEADER = 'Traceback (most recent call last):';
const GROUP_HEADER = '  + Exception Group Traceback (most recent call last):';
const FATAL = 'Fatal Python error: ';
const CHAIN = [
  'During handling of the above exception, another exception occurred:',
  'The above exception was the direct cause of the following exception:',
];
const SIGNALS: Record<string, string> = {
  'Segmentation fault': 'SIGSEGV',
  'Floating point exception': 'SIGFPE',
  Aborted: 'SIGABRT',
  'Bus error': 'SIGBUS',
  'Illegal instruction': 'SIGILL',
};

/**
 * Cheap check: a traceback header directly followed by a `  File "` line, a faulthandler dump's
 * `Fatal Python error:` line, or a syntax error's location.
 */
export function recognisePython(text: string): boolean {
  if (typeof text !== 'string') return false;
  const { lines } = tailLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE) continue;
    const margin = isHeader(lines, i);
    if (margin !== null && (lines[i + 1] ?? '').startsWith(`${margin}  File "`)) return true;
    if (line.startsWith(FATAL)) return true;
    if (isSyntaxErrorAt(lines, i)) return true;
  }
  return false;
}

/** The crash the text ends with; see the module comment. Never throws. */
export function parsePython(text: string): ParsedCrash {
  try {
    return parse(typeof text === 'string' ? text : '');
  } catch {
    return { type: 'unparsed' };
  }
}

interface Found {
  at: number;
  crash: ParsedCrash;
}

function parse(text: string): ParsedCrash {
  const { lines } = tailLines(text);
  let best: Found | null = null;
  let skipAt = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE) continue;
    const margin = isHeader(lines, i);
    if (margin !== null) {
      if (i === skipAt) continue; // inside the previous exception's message
      const tb = traceback(lines, i + 1, margin);
      best = { at: i, crash: tb.crash };
      skipAt = tb.exceptionLine + 1;
      i = Math.max(i, tb.exceptionLine);
      continue;
    }
    if (line.startsWith(FATAL)) {
      best = { at: i, crash: faulthandler(lines, i) };
      continue;
    }
    if (isSyntaxErrorAt(lines, i)) {
      const where = fileLine(line.slice(2));
      const frame = textFrame(where?.file ?? null, null, where?.line ?? null);
      frame.toplevel = true;
      const cls = exceptionClass(lines[syntaxErrorLine(lines, i)] ?? '');
      best = { at: i, crash: { type: 'stack', kind: 'exception', errorClass: cls, frames: [frame], runtime: 'python', runtimeVersion: null, entry: null } };
    }
  }
  return best?.crash ?? { type: 'unparsed' };
}

/**
 * The margin of a top-level traceback header at line i (`''`, or `'  | '` for an exception group),
 * or null. A header after a prefix (`ERROR:root: Traceback (most recent call last):`, a logger's)
 * counts when a `  File "` line follows.
 */
function isHeader(lines: string[], i: number): string | null {
  const line = lines[i]!.trimEnd();
  if (line === HEADER) return '';
  if (line === GROUP_HEADER) return '  | ';
  if (line.endsWith(' ' + HEADER) && !line.startsWith(' ') && (lines[i + 1] ?? '').startsWith('  File "')) return '';
  return null;
}

/** A traceback body from line `from`: frames (reversed to innermost first) and the exception line. */
function traceback(lines: string[], from: number, margin: string): { crash: ParsedCrash; exceptionLine: number } {
  const frames: Frame[] = [];
  let i = from;
  let exceptionLine = -1;
  for (; i < lines.length; i++) {
    let line = lines[i]!;
    if (margin !== '') {
      if (!line.startsWith(margin.trimEnd())) break; // `  +-+---- 1 ----`: the group's body ended
      line = line.slice(margin.length);
    }
    if (line.startsWith('  File "')) {
      if (frames.length < MAX_FOREIGN_FRAMES && line.length <= MAX_LINE) {
        const f = fileLine(line.slice(2));
        if (f !== null) frames.push(frameOf(f));
      }
      continue;
    }
    // Source lines, carets, `[Previous line repeated N more times]`: indented.
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    if (isBlank(line)) continue;
    exceptionLine = i;
    break;
  }
  frames.reverse();
  const raw = exceptionLine >= 0 ? lines[exceptionLine]! : '';
  const errorClass = exceptionClass(margin !== '' && raw.startsWith(margin) ? raw.slice(margin.length) : raw);
  return {
    crash: { type: 'stack', kind: 'exception', errorClass, frames, runtime: 'python', runtimeVersion: null, entry: null },
    exceptionLine: exceptionLine >= 0 ? exceptionLine : i,
  };
}

/** A faulthandler dump whose `Fatal Python error:` line is at `at`. */
function faulthandler(lines: string[], at: number): ParsedCrash {
  const what = lines[at]!.slice(FATAL.length).trim();
  const signal = SIGNALS[what] ?? null;
  // The crashing thread's block: `Current thread 0x... (most recent call first):`, else the first
  // block (`Thread 0x...`, or `Stack (most recent call first):` when there are no threads).
  let block = -1;
  let firstBlock = -1;
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith(FATAL) || isHeader(lines, i) !== null) break;
    if (!l.endsWith('(most recent call first):')) continue;
    if (firstBlock < 0) firstBlock = i;
    if (l.startsWith('Current thread ')) {
      block = i;
      break;
    }
  }
  if (block < 0) block = firstBlock;
  const frames: Frame[] = [];
  if (block >= 0) {
    for (let i = block + 1; i < lines.length && frames.length < MAX_FOREIGN_FRAMES; i++) {
      const l = lines[i]!;
      if (!l.startsWith('  ')) break;
      if (!l.startsWith('  File "') || l.length > MAX_LINE) continue; // `  <no Python frame>`, `  ...`
      const f = fileLine(l.slice(2));
      if (f !== null) frames.push(frameOf(f));
    }
  }
  return {
    type: 'stack',
    kind: signal !== null ? 'signal' : 'fatal error',
    errorClass: signal,
    frames,
    runtime: 'python',
    runtimeVersion: null,
    entry: null,
  };
}

/**
 * `File "path", line N, in name` (traceback), `File "path", line N in name` (faulthandler),
 * `File "path", line N` (a SyntaxError's location). The path may hold quotes: the last `", line `
 * ends it.
 */
function fileLine(s: string): { file: string; line: number | null; fn: string | null } | null {
  if (!s.startsWith('File "')) return null;
  const q = s.lastIndexOf('", line ');
  if (q < 6) return null;
  const file = s.slice(6, q);
  const rest = s.slice(q + '", line '.length);
  let end = 0;
  while (end < rest.length && rest.charCodeAt(end) >= 48 && rest.charCodeAt(end) <= 57) end++;
  const line = parseCount(rest.slice(0, end));
  let after = rest.slice(end);
  if (after.startsWith(',')) after = after.slice(1);
  let fn: string | null = null;
  if (after.startsWith(' in ')) fn = after.slice(4).trim();
  else if (after.trim() !== '' && !after.startsWith(' ')) return null;
  if (file === '') return null;
  return { file, line, fn: fn === '' || fn === '???' ? null : fn };
}

function frameOf(f: { file: string; line: number | null; fn: string | null }): Frame {
  const frame = textFrame(f.file === '???' ? null : f.file, f.fn === '<module>' ? null : f.fn, f.line);
  if (f.fn === '<module>') frame.toplevel = true;
  return frame;
}

const CLASS = /^([\p{L}_][\p{L}\p{N}_]{0,127}(?:\.[\p{L}_][\p{L}\p{N}_]{0,127}){0,15})(?::(?:\s|$)|\s*$)/u;

/** `pkg.mod.Error: message` -> `pkg.mod.Error`; `KeyboardInterrupt` -> itself; else null. */
function exceptionClass(line: string): string | null {
  const m = CLASS.exec(line.slice(0, 2200));
  return m ? (m[1] ?? null) : null;
}

const SYNTAX_ERRORS = ['SyntaxError', 'IndentationError', 'TabError'];

/** `  File "x.py", line 2` (no `, in`) followed within a few lines by `SyntaxError: ...`. */
function isSyntaxErrorAt(lines: string[], i: number): boolean {
  const line = lines[i]!;
  if (!line.startsWith('  File "') || line.length > MAX_LINE) return false;
  const f = fileLine(line.slice(2));
  if (f === null || f.fn !== null) return false;
  // Only when it is not the last frame of a traceback (that case is handled there).
  for (let k = i - 1; k >= 0 && k >= i - 2; k--) if (lines[k]!.startsWith('    ') || lines[k]!.startsWith('  File "') || lines[k]!.trimEnd() === HEADER) return false;
  return syntaxErrorLine(lines, i) >= 0;
}

function syntaxErrorLine(lines: string[], i: number): number {
  for (let k = i + 1; k < lines.length && k <= i + 4; k++) {
    const l = lines[k]!;
    if (SYNTAX_ERRORS.some((s) => l.startsWith(s + ':') || l.trimEnd() === s)) return k;
    if (!l.startsWith(' ')) return -1;
  }
  return -1;
}
