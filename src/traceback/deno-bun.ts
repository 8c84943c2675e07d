/**
 * Deno's and Bun's uncaught-error text -> frames. Both print V8-style `at` lines (Bun's engine is
 * JavaScriptCore, which Bun formats the same way), so each `at` line is read by v8.ts; what differs
 * from Node is around them.
 *
 * Deno (1.x, 2.x):
 *
 *   error: Uncaught (in promise) TypeError: Cannot read properties of undefined   <- header
 *       return item.toUpperCase();                                               <- excerpt
 *                   ^
 *       at Inventory.lookup (file:///home/u/app/main.ts:5:17)                    <- stack
 *       at file:///home/u/app/main.ts:13:1
 *   Caused by: RangeError: inner                                                 <- the cause's
 *       at inner (file:///home/u/app/main.ts:2:9)                                   stack: not ours
 *
 *   The last `error: Uncaught` header is the crash; its stack is the last block of `at` lines
 *   after it and before any `Caused by:` line. Deno 2 prints `(in promise)` even for an error
 *   thrown by top-level module code (module evaluation is asynchronous), so it does not tell a
 *   rejection from a throw: kind is `exception` either way. `ext:` frames are Deno's own
 *   (`ext:core/01_core.js`, `ext:deno_node/...`) and are dropped.
 *
 * Bun (1.x):
 *
 *   1 | function fail() {                                   <- excerpt with line numbers
 *   2 |   throw new Error("boom");
 *                 ^
 *   error: boom                                             <- header: `error: ` for Error itself,
 *         at fail (/home/u/app/x.js:2:13)                      `TypeError: ...` for other classes
 *         at /home/u/app/x.js:4:1
 *                                                           <- a cause follows as a report of its
 *   Bun v1.4.4 (Linux x64)                                     own, after one blank line
 *
 *   Bun prints an error's causes as further reports after it, separated by one blank line, and
 *   before the `Bun v...` trailer. A run of reports that follow one another that way is one error
 *   and its causes: the FIRST report of the last run is the crash. (An error the program logged
 *   with console.error immediately before crashing, with nothing in between, is indistinguishable
 *   from a cause and would be taken instead: a known limit of the text.) Frames whose file is a
 *   bare number (`loadAndEvaluateModule (2:1)`, older Bun's built-ins) are dropped.
 *
 * For both, a frame without a function that was the outermost frame printed is the module's
 * top-level code. errorClass is the header's class name (never the message); null for a thrown
 * non-error (`error: Uncaught (in promise) "text"`) or an unrecognised header.
 *
 * Never throws; looks at the last MAX_LINES lines.
 */
import type { Frame, ParsedCrash } from './frame.js';
import { isDroppedForeignFrame } from './runtime-frames.js';
import { MAX_FOREIGN_FRAMES, MAX_LINE, indentOf, isBlank, tailLines } from './text-lines.js';
import { parseV8Stack } from './v8.js';

const DENO_HEADER = 'error: Uncaught ';

/** Cheap check: a line starting with `error: Uncaught `. */
export function recogniseDeno(text: string): boolean {
  if (typeof text !== 'string') return false;
  return tailLines(text).lines.some((l) => l.startsWith(DENO_HEADER) && l.length <= MAX_LINE);
}

/**
 * Cheap check: Bun's `Bun v1.2.3 (...)` trailer line, or (older Bun, no trailer) its numbered
 * source excerpt (`12 | code`) followed later by an `at` line indented by six spaces.
 */
export function recogniseBun(text: string): boolean {
  if (typeof text !== 'string') return false;
  const { lines } = tailLines(text);
  let excerpt = false;
  for (const l of lines) {
    if (isBunTrailer(l)) return true;
    if (!excerpt && /^\d{1,9} \|(?: |$)/.test(l.slice(0, 16))) excerpt = true;
    else if (excerpt && l.startsWith('      at ') && l.length <= MAX_LINE) return true;
  }
  return false;
}

/** Deno's uncaught error; see the module comment. Never throws. */
export function parseDeno(text: string): ParsedCrash {
  try {
    return deno(typeof text === 'string' ? text : '');
  } catch {
    return { type: 'unparsed' };
  }
}

/** Bun's uncaught error; see the module comment. Never throws. */
export function parseBun(text: string): ParsedCrash {
  try {
    return bun(typeof text === 'string' ? text : '');
  } catch {
    return { type: 'unparsed' };
  }
}

function deno(text: string): ParsedCrash {
  const { lines } = tailLines(text);
  let header = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith(DENO_HEADER) && lines[i]!.length <= MAX_LINE) {
      header = i;
      break;
    }
  }
  if (header < 0) return { type: 'unparsed' };
  let end = lines.length;
  for (let i = header + 1; i < lines.length; i++) {
    if (lines[i]!.startsWith('Caused by: ') || lines[i]!.startsWith('error: ')) {
      end = i;
      break;
    }
  }
  const block = lastAtBlock(lines, header + 1, end);
  const frames = block === null ? [] : framesOf(lines.slice(block.start, block.end), 'deno');
  let rest = lines[header]!.slice(DENO_HEADER.length);
  if (rest.startsWith('(in promise) ')) rest = rest.slice('(in promise) '.length);
  return { type: 'stack', kind: 'exception', errorClass: headerClass(rest, false), frames, runtime: 'deno', runtimeVersion: null, entry: null };
}

function bun(text: string): ParsedCrash {
  const { lines } = tailLines(text);
  let trailer = lines.length;
  let version: string | null = null;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (isBunTrailer(lines[i]!)) {
      trailer = i;
      version = /^Bun (v\d{1,4}\.\d{1,6}\.\d{1,6}(?:[-+][\w.+-]{0,64})?)/.exec(lines[i]!)?.[1] ?? null;
      break;
    }
  }
  if (lines.some((l) => l.startsWith('oh no: Bun has crashed'))) {
    // Bun itself crashed (its own panic handler): no JavaScript stack to speak of.
    return { type: 'stack', kind: 'runtime crash', errorClass: null, frames: [], runtime: 'bun', runtimeVersion: version, entry: null };
  }
  // Every block of `at` lines before the trailer, with the lines between it and the previous one.
  const blocks: { start: number; end: number; gapStart: number }[] = [];
  let gapStart = 0;
  for (let i = 0; i < trailer; i++) {
    if (!isAtLine(lines[i]!)) continue;
    const start = i;
    while (i < trailer && isAtLine(lines[i]!)) i++;
    blocks.push({ start, end: i, gapStart });
    gapStart = i;
    i--;
  }
  let chosen = blocks.length - 1;
  while (chosen > 0 && isCauseGap(lines, blocks[chosen]!.gapStart, blocks[chosen]!.start)) chosen--;
  const block = blocks[chosen];
  const from = block?.gapStart ?? lastReportStart(lines, trailer);
  const to = block?.start ?? trailer;
  const frames = block === undefined ? [] : framesOf(lines.slice(block.start, block.end), 'bun');
  const header = bunHeader(lines, from, to);
  let errorClass: string | null = null;
  if (header !== null) errorClass = header.startsWith('error: ') ? 'Error' : headerClass(header, true);
  return { type: 'stack', kind: 'exception', errorClass, frames, runtime: 'bun', runtimeVersion: version, entry: null };
}

function isBunTrailer(line: string): boolean {
  return line.startsWith('Bun v') && line.length <= 256 && /^Bun v\d/.test(line);
}

function isAtLine(line: string): boolean {
  if (line.length > MAX_LINE) return false;
  const i = indentOf(line);
  return i > 0 && line.startsWith('at ', i);
}

/** Bun's source excerpt: `12 | code`, ` | code`, or the caret line under it. */
function isExcerptLine(line: string): boolean {
  return /^\s{0,8}\d{0,9} \|(?: |$)/.test(line.slice(0, 32)) || /^\s*\^\s*$/.test(line);
}

/**
 * Between two `at` blocks, the lines of a cause's report: a blank line right after the previous
 * block, then the report (its excerpt, or its header directly), and nothing else the program
 * printed in between.
 */
function isCauseGap(lines: string[], start: number, end: number): boolean {
  if (start >= end || !isBlank(lines[start]!)) return false;
  let i = start;
  while (i < end && isBlank(lines[i]!)) i++;
  if (i - start !== 1 || i >= end) return false;
  if (isExcerptLine(lines[i]!)) return true;
  // No excerpt: a header, then only property lines (indented `key: value`) and blanks.
  for (let k = i + 1; k < end; k++) {
    const l = lines[k]!;
    if (!isBlank(l) && indentOf(l) === 0) return false;
  }
  return true;
}

/** Without any `at` line: the report starts after the last blank line before the trailer. */
function lastReportStart(lines: string[], trailer: number): number {
  let i = trailer - 1;
  while (i >= 0 && isBlank(lines[i]!)) i--;
  while (i >= 0 && !isBlank(lines[i]!)) i--;
  return i + 1;
}

/**
 * The header of a Bun report in lines [from, to): the first line after its excerpt; without an
 * excerpt, the first line of the last paragraph before the property lines.
 */
function bunHeader(lines: string[], from: number, to: number): string | null {
  let lastExcerpt = -1;
  for (let i = from; i < to; i++) if (isExcerptLine(lines[i]!)) lastExcerpt = i;
  if (lastExcerpt >= 0) {
    for (let i = lastExcerpt + 1; i < to; i++) {
      const l = lines[i]!;
      if (!isBlank(l) && indentOf(l) === 0) return l;
    }
    return null;
  }
  let i = to - 1;
  while (i >= from && (isBlank(lines[i]!) || indentOf(lines[i]!) > 0)) i--;
  if (i < from) return null;
  while (i - 1 >= from && !isBlank(lines[i - 1]!) && indentOf(lines[i - 1]!) === 0) i--;
  return lines[i]!;
}

/** The last run of `at` lines in [from, to). */
function lastAtBlock(lines: string[], from: number, to: number): { start: number; end: number } | null {
  let found: { start: number; end: number } | null = null;
  for (let i = from; i < to; i++) {
    if (!isAtLine(lines[i]!)) continue;
    const start = i;
    while (i < to && isAtLine(lines[i]!)) i++;
    found = { start, end: i };
  }
  return found;
}

/** Bun's module runner: the frame it calls is a module's top-level code. */
const MODULE_RUNNERS = new Set(['loadAndEvaluateModule', 'moduleEvaluation']);

/**
 * The block's frames by v8.ts, runtime frames dropped. A frame without a function that is the
 * outermost one printed, or that Bun's module runner called, is module top-level code.
 */
function framesOf(block: string[], runtime: 'deno' | 'bun'): Frame[] {
  const parsed = parseV8Stack(block.slice(0, MAX_FOREIGN_FRAMES).map((l) => `    ${l.trimStart()}`).join('\n'));
  parsed.forEach((f, i) => {
    if (f.function !== null || f.file === null || f.eval || f.native || isDroppedForeignFrame(runtime, f)) return;
    const caller = parsed[i + 1];
    if (caller === undefined || (caller.function !== null && MODULE_RUNNERS.has(caller.function))) f.toplevel = true;
  });
  return parsed.filter((f) => !isDroppedForeignFrame(runtime, f));
}

const NON_CLASSES = new Set(['undefined', 'null', 'true', 'false', 'NaN', 'Infinity']);

/**
 * `TypeError: message` -> `TypeError`. With `strict` (Bun, whose header has no fixed prefix), only
 * names that read as error classes (`...Error`, `...Exception`) count.
 */
function headerClass(s: string, strict: boolean): string | null {
  const m = /^([A-Za-z_$][\w$]{0,127})(?::(?:\s|$)|\s*$)/.exec(s.slice(0, 256));
  if (!m) return null;
  const name = m[1]!;
  if (NON_CLASSES.has(name)) return null;
  if (strict && !/(?:Error|Exception)$/.test(name)) return null;
  return name;
}
