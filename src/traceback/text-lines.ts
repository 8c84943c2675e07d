/**
 * Line access for the text parsers of other runtimes (go.ts, python.ts, rust.ts, deno-bun.ts,
 * node-stderr.ts): crash text is untrusted and may be 10 MB of anything, so every parser reads it
 * through these bounded views.
 *
 * Invariants:
 *  - no function here copies the whole text into an array: a view holds at most MAX_LINES lines,
 *    each cut to MAX_FRAME_LINE + 1 characters (a cut line is longer than any line a parser uses,
 *    so it can be recognised and skipped);
 *  - scanning for a marker line is a loop of `indexOf('\n')` and `startsWith`, linear in the text;
 *  - the only regular expression removes terminal colour codes (`ESC[...m`), which Deno, Bun and
 *    Python 3.13 print when they write to a terminal.
 */
import type { Frame } from './frame.js';
import { MAX_FRAME_LINE } from './limits.js';

/** Lines a parser looks at after its anchor (the header, or the start of the tail). */
export const MAX_LINES = 5000;

/** Frames kept from one crash text (the normalizer uses at most 16 of them). */
export const MAX_FOREIGN_FRAMES = 256;

/** Characters at the end of a text that tail-anchored formats (Python, Rust, ...) look at. */
export const MAX_TAIL_CHARS = 1024 * 1024;

/** A line longer than this is never a header or a frame: parsers skip it. */
export const MAX_LINE = MAX_FRAME_LINE;

/** A window of lines: `lines[i]` started at character `starts[i]` of the text. */
export interface LineView {
  lines: string[];
  starts: number[];
}

/**
 * Up to `maxLines` lines from character `from` (a line start), each cut to MAX_LINE + 1 chars,
 * without terminal colour codes.
 */
export function linesFrom(text: string, from = 0, maxLines = MAX_LINES): LineView {
  const view: LineView = { lines: [], starts: [] };
  let start = Math.max(0, Math.min(from, text.length));
  while (start <= text.length && view.lines.length < maxLines) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop - start > MAX_LINE + 1) stop = start + MAX_LINE + 1;
    const line = text.slice(start, stop);
    // Terminal colours (Deno, Bun and Python 3.13 print them when writing to a terminal).
    view.lines.push(line.includes('\u001b[') ? line.replace(/\u001b\[[0-9;]{0,32}m/g, '') : line);
    view.starts.push(start);
    if (end >= text.length) break;
    start = end + 1;
  }
  return view;
}

/**
 * The last lines of the text: at most `maxLines` lines within its last `maxChars` characters,
 * starting at a line boundary (a first partial line is left out).
 */
export function tailLines(text: string, maxLines = MAX_LINES, maxChars = MAX_TAIL_CHARS): LineView {
  let from = 0;
  if (text.length > maxChars) {
    const nl = text.indexOf('\n', text.length - maxChars);
    from = nl < 0 ? text.length : nl + 1;
  }
  // Walk back over at most maxLines line breaks, never before `from`.
  let start = from;
  let searchFrom = text.length - 1;
  for (let count = 0; count < maxLines; count++) {
    const nl = searchFrom < from ? -1 : text.lastIndexOf('\n', searchFrom);
    if (nl < from) {
      start = from;
      break;
    }
    start = nl + 1;
    searchFrom = nl - 1;
  }
  return linesFrom(text, start, maxLines);
}

/**
 * Calls `visit(start, end)` for every line of the text (end excludes the line break and a CR);
 * stops when it returns true. Linear; allocates nothing per line.
 */
export function scanLines(text: string, visit: (start: number, end: number) => boolean | void): void {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (visit(start, stop) === true) return;
    if (end >= text.length) return;
    start = end + 1;
  }
}

/** A text frame: absolute line, no enclosing-function position. */
export function textFrame(file: string | null, fn: string | null, line: number | null, column: number | null = null): Frame {
  return { file, function: fn, line, column, enclosingLine: null, enclosingColumn: null };
}

/** A positive decimal line or column number of at most 9 digits, else null. */
export function parseCount(s: string): number | null {
  if (s.length === 0 || s.length > 9) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s);
}

/**
 * `path:line` or `path:line:col` with digits only after the colons; null when the text does not end
 * with `:<digits>`. The path may itself contain colons (`C:/x.go`, `file:///x.ts`).
 */
export function splitLocation(loc: string, allowColumn = true): { file: string; line: number; column: number | null } | null {
  const last = loc.lastIndexOf(':');
  if (last <= 0) return null;
  const n1 = parseCount(loc.slice(last + 1));
  if (n1 === null) return null;
  const head = loc.slice(0, last);
  if (allowColumn) {
    const prev = head.lastIndexOf(':');
    if (prev > 0) {
      const n0 = parseCount(head.slice(prev + 1));
      if (n0 !== null) return { file: head.slice(0, prev), line: n0, column: n1 };
    }
  }
  return { file: head, line: n1, column: null };
}

/** Number of leading spaces and tabs. */
export function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

/** True when every character is a space or a tab (or the line is empty). */
export function isBlank(line: string): boolean {
  return indentOf(line) === line.length;
}
