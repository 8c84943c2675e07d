/**
 * Generated text: pieces of a generated (compiled, bundled, minified) file's lines, read on
 * demand.
 *
 * Only name recovery (names.ts) needs the generated code itself, and only for maps that record
 * names and only around a function's start. The file is read once, whole, as a regular file of at
 * most maxBytes; line starts are found by scanning for `\n` only as far as the deepest line asked
 * for. A minified line can be megabytes long, so a window around the column is decoded instead of
 * the line whenever the bytes before the column are ASCII (columns are UTF-16 units; in ASCII a
 * byte is a unit; esbuild and terser emit ASCII by default); otherwise the whole line is decoded,
 * once. Lines end at `\n` (a `\r` before it is dropped); V8 also ends lines at a lone `\r`,
 * U+2028 and U+2029, which generators do not emit raw, and a mismatch only costs a recovered
 * name, never a position.
 *
 * Invariants: at most one read of at most maxBytes per file; never throws (a file that cannot
 * be read has no lines).
 */

import { isAscii } from 'node:buffer';
import { isRefusal, readWholeFile } from './file.js';

/** A piece of one line: `text` starts at 1-based column `column` of that line. */
export interface LineWindow {
  text: string;
  column: number;
}

export class GeneratedText {
  private bytes: Buffer | null | undefined;
  private readonly starts: number[] = [0];
  private readonly decoded = new Map<number, string>();
  /** Whether each line looked at is all ASCII (then any column is a byte offset). */
  private readonly asciiLines = new Map<number, boolean>();
  private readonly path: string;
  private readonly maxBytes: number;

  constructor(path: string, maxBytes: number) {
    this.path = path;
    this.maxBytes = maxBytes;
  }

  /**
   * Up to `before` characters before 1-based `column` of 1-based `line` and up to `after` from
   * it; null when the file or the line is not there.
   */
  around(line: number, column: number, before: number, after: number): LineWindow | null {
    try {
      const range = this.lineRange(line);
      if (range === null || !Number.isInteger(column) || column < 1) return null;
      const bytes = this.bytes!;
      const [start, end] = range;
      const at = start + column - 1;
      let ascii = this.asciiLines.get(line);
      if (ascii === undefined) {
        ascii = isAscii(bytes.subarray(start, end));
        this.asciiLines.set(line, ascii);
      }
      if (at <= end && (ascii || isAscii(bytes.subarray(start, at)))) {
        const from = Math.max(start, at - before);
        // After the column, stop at the line's end; non-ASCII there only shortens the window.
        const to = Math.min(end, at + after);
        return { text: bytes.toString('latin1', from, to).replace(/[^\x00-\x7f][\s\S]*$/, ''), column: from - start + 1 };
      }
      let text = this.decoded.get(line);
      if (text === undefined) {
        text = bytes.toString('utf8', start, end);
        this.decoded.set(line, text);
      }
      const from = Math.max(0, column - 1 - before);
      return { text: text.slice(from, column - 1 + after), column: from + 1 };
    } catch {
      return null;
    }
  }

  /** Byte range [start, end) of 1-based line `line`, without its line break. */
  private lineRange(line: number): [number, number] | null {
    if (this.bytes === undefined) {
      const read = readWholeFile(this.path, this.maxBytes, false);
      this.bytes = isRefusal(read) ? null : read;
    }
    const bytes = this.bytes;
    if (bytes === null || !Number.isInteger(line) || line < 1) return null;
    while (this.starts.length < line + 1) {
      const last = this.starts[this.starts.length - 1]!;
      if (last > bytes.length) return null;
      const newline = bytes.indexOf(0x0a, last);
      this.starts.push(newline < 0 ? bytes.length + 1 : newline + 1);
    }
    const start = this.starts[line - 1]!;
    if (start > bytes.length) return null;
    let end = this.starts[line]! - 1;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    return [start, end];
  }
}
