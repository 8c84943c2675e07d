/**
 * V8 stack text (what Node prints for an uncaught error, what `err.stack` holds) -> Frames.
 *
 * Only `at` lines produce frames: those of one block of consecutive `at` lines at one indentation
 * (`... N lines matching cause stack trace ...` lines included). Everything around it is skipped:
 * the source excerpt Node prints first (`file.js:3`, the code line, the caret), the header
 * (`TypeError [ERR_X]: msg`, whose message may span lines), and what follows the block: the
 * properties block (`{ code: ..., [cause]: Error: ... }` up to its closing `}`, with the nested
 * stacks of causes and aggregated errors) and the `Node.js v20.x` trailer. Of the header only the
 * error class is kept, never the message; of the trailer only the Node version.
 *
 * When the text holds several blocks, the LAST one outside any properties block is the stack: a
 * message may itself contain `at` lines (they come before the real stack), and in captured
 * output the error that ended the process is printed after any error the program logged.
 *
 * Each `at` line is split into its function part and its location by this module, then the
 * location's `file:line:column` by stacktrace-parser. The module handles what that library does
 * not: `async` frames, `Promise.all (index N)`, `new Foo`, eval frames (whose `eval at fn (origin)`
 * would otherwise be taken as the frame's file), `Type.fn [as alias]` names, the ` {` that ends the
 * last line when properties follow, and lines long enough to make its patterns slow (it is only
 * given a location without parentheses and of bounded length; anything else is split here, by
 * hand, in linear time).
 *
 * Function names (the function's own name, see v8-name.ts):
 *   `at Foo.bar (...)`, `at async Foo.bar (...)`, `at Foo.baz [as bar] (...)`  -> `bar` / `baz`
 *   `at new Foo (...)`                                                           -> `Foo`
 *   `at Object.<anonymous> (...)`  -> no name, toplevel: the CommonJS module wrapper (module code)
 *   `at X.<anonymous> (...)`, `at <anonymous> (...)`, `at /file.js:1:2`          -> no name
 *   `at file:///m.mjs:1:2` directly called by Node's ES module runner (`ModuleJob.run`) or by
 *   `node:vm` -> no name, toplevel (ES module / script code). Once an `await` has run, ES module
 *   code no longer shows its caller: it then reads as an anonymous function.
 *   `at async Promise.all (index 0)` -> `all`, no file (a built-in).
 */
import { parse as parseStackLine } from 'stacktrace-parser';
import type { Frame } from './frame.js';
import { MAX_FRAME_LINE, MAX_TEXT_FRAMES } from './limits.js';
import { v8OwnName } from './v8-name.js';

/** What the text says besides its frames. */
export interface V8Stack {
  /** Innermost first. */
  frames: Frame[];
  /** The header's error class (`TypeError`), when the header could be found; never the message. */
  errorClass: string | null;
  /** From the `Node.js v20.11.1` trailer Node prints after an uncaught error. */
  runtimeVersion: string | null;
}

/** The frames of the stack in `text`, innermost first. Never throws. */
export function parseV8Stack(text: string): Frame[] {
  return parseV8Text(text).frames;
}

/** Frames, error class and Node version of the stack in `text` (see above). Never throws. */
export function parseV8Text(text: string): V8Stack {
  const result: V8Stack = { frames: [], errorClass: null, runtimeVersion: null };
  if (typeof text !== 'string') return result;
  let firstSegment: string[] | null = null;
  let segment: string[] = [];
  let chosen: Block | null = null;
  let block: Block | null = null;
  let propsEnd: string | null = null;
  const close = (): void => {
    if (block !== null && block.lines.length > 0) chosen = block;
    block = null;
    firstSegment ??= segment;
    segment = [];
  };
  for (const line of lines(text)) {
    if (propsEnd !== null) {
      // Inside `{ code: ..., [cause]: Error: ... }`: nested stacks are not this error's frames.
      if (line.trimEnd() === propsEnd) propsEnd = null;
      continue;
    }
    const at = atIndent(line);
    if (block !== null) {
      if (at === block.indent) {
        if (line.length <= MAX_FRAME_LINE && block.lines.length < MAX_TEXT_FRAMES) block.lines.push(line.slice(at + 3));
        if (line.trimEnd().endsWith(' {')) {
          propsEnd = `${' '.repeat(Math.max(0, block.indent - 4))}}`;
          close();
        }
        continue;
      }
      // `... 4 lines matching cause stack trace ...` / `... 2 more lines`: still the same stack.
      if (at < 0 && leadingBlanks(line) === block.indent && line.startsWith('...', block.indent)) continue;
      close();
    }
    if (at >= 0 && line.length <= MAX_FRAME_LINE) {
      block = { indent: at, lines: [line.slice(at + 3)], header: segment };
      if (line.trimEnd().endsWith(' {')) {
        propsEnd = `${' '.repeat(Math.max(0, at - 4))}}`;
        close();
      }
      continue;
    }
    if (result.runtimeVersion === null && line.startsWith('Node.js v')) result.runtimeVersion = nodeVersion(line);
    // Keep the start of a few lines only: enough to find a header's class.
    if (segment.length < 16) segment.push(line.slice(0, 256));
  }
  close();
  const found = chosen as Block | null;
  if (found === null) return result;
  const parsed: ParsedLine[] = [];
  for (const body of found.lines) {
    let s = body.trim();
    if (s.endsWith(' {')) s = s.slice(0, -2).trimEnd();
    const p = parseAtBody(s);
    if (p) parsed.push(p);
  }
  markModuleCode(parsed);
  result.frames = parsed.map((p) => p.frame);
  result.errorClass = headerClass(found.header) ?? (firstSegment !== null && firstSegment !== found.header ? headerClass(firstSegment) : null);
  return result;
}

/** A run of `at` lines at one indentation, and the lines before it (its header, message). */
interface Block {
  indent: number;
  /** The text after `at `, for at most MAX_TEXT_FRAMES lines. */
  lines: string[];
  header: string[];
}

/**
 * One `at ...` line (leading blanks allowed) -> a Frame; null when it is not one. For stack lines
 * that arrive one by one (Node's diagnostic report).
 */
export function parseV8FrameLine(line: string): Frame | null {
  if (typeof line !== 'string' || line.length > MAX_FRAME_LINE) return null;
  let body = line.trim();
  if (body.startsWith('at ')) body = body.slice(3).trim();
  else return null;
  if (body.endsWith(' {')) body = body.slice(0, -2).trimEnd();
  return parseAtBody(body)?.frame ?? null;
}

interface ParsedLine {
  frame: Frame;
  /** The line had no function part at all (`at file:///x.mjs:1:2`). */
  bare: boolean;
}

const PROMISE_COMBINATOR = /^Promise\.(all|allSettled|any) \(index \d{1,10}\)$/;

/** The text after `at `. */
function parseAtBody(body: string): ParsedLine | null {
  let s = body;
  if (s.startsWith('async ')) s = s.slice(6).trimStart();
  if (s === '') return null;
  const combinator = PROMISE_COMBINATOR.exec(s);
  if (combinator) {
    return { frame: makeFrame(null, combinator[1] ?? null, null, null), bare: false };
  }
  let fnPart: string | null = null;
  let loc = s;
  if (s.endsWith(')')) {
    // `fn (location)`. The location of an eval frame holds parentheses itself, so the split is at
    // the first ` (`: function names practically never contain one, paths and eval origins do.
    const open = s.indexOf(' (');
    if (open > 0) {
      fnPart = s.slice(0, open).trim();
      loc = s.slice(open + 2, -1).trim();
    } else if (s.startsWith('(')) {
      loc = s.slice(1, -1).trim();
    }
  }
  const where = parseLocation(loc);
  if (!where) return null;
  let name: string | null = null;
  let toplevel = false;
  if (fnPart !== null) {
    const f = functionName(fnPart, body.startsWith('async '));
    name = f.name;
    toplevel = f.toplevel;
  }
  const frame = makeFrame(where.file, name, where.line, where.column);
  if (toplevel) frame.toplevel = true;
  if (where.eval) frame.eval = true;
  if (where.native) frame.native = true;
  return { frame, bare: fnPart === null };
}

function makeFrame(file: string | null, fn: string | null, line: number | null, column: number | null): Frame {
  return { file, function: fn, line, column, enclosingLine: null, enclosingColumn: null };
}

/** The function part of an `at` line -> the function's own name. */
function functionName(part: string, isAsync: boolean): { name: string | null; toplevel: boolean } {
  let s = part;
  if (s.startsWith('new ')) return { name: v8OwnName(s.slice(4)), toplevel: false };
  if (s.endsWith(']')) {
    const as = s.lastIndexOf(' [as ');
    if (as > 0) s = s.slice(0, as).trimEnd();
  }
  // V8 prints a call with no function name and an Object receiver this way; CommonJS module code
  // (run by Node's module wrapper, `this` = module.exports) is by far its most common source.
  if (s === 'Object.<anonymous>' && !isAsync) return { name: null, toplevel: true };
  return { name: v8OwnName(s), toplevel: false };
}

interface Location {
  file: string | null;
  line: number | null;
  column: number | null;
  eval: boolean;
  native: boolean;
}

/** `file:line:col`, `file:line`, `native`, `<anonymous>`, `eval at fn (origin), <anonymous>:1:2`. */
function parseLocation(loc: string): Location | null {
  if (loc === '') return null;
  if (loc.startsWith('eval at ')) {
    // The eval origin (`fn (file:1:2)`, possibly nested) says where eval was called, not where the
    // code is: it must never become the frame's file. The part after the last `), ` is the eval'd
    // script's own name (`<anonymous>`, or its //# sourceURL) and position.
    const k = loc.lastIndexOf('), ');
    const inner = k >= 0 ? splitPosition(loc.slice(k + 3)) : { file: null, line: null, column: null };
    const file = inner.file === '<anonymous>' ? null : inner.file;
    return { file, line: inner.line, column: inner.column, eval: true, native: false };
  }
  if (loc === 'native') return { file: null, line: null, column: null, eval: false, native: true };
  if (loc === '<anonymous>' || loc === 'unknown location') {
    return { file: null, line: null, column: null, eval: false, native: false };
  }
  return { ...splitPosition(loc), eval: false, native: false };
}

/** `file:line:col` -> parts, by stacktrace-parser where its patterns are safe, else by hand. */
function splitPosition(loc: string): { file: string | null; line: number | null; column: number | null } {
  const byHand = splitByHand(loc);
  if (loc.length <= 2048 && !loc.includes('(') && !loc.includes(')')) {
    const [sp] = parseStackLine(`    at f (${loc})`);
    // Accept the library's answer only when it accounts for the whole location.
    if (sp && sp.file && rebuild(sp.file, sp.lineNumber, sp.column) === loc) {
      return { file: sp.file, line: sp.lineNumber, column: sp.column };
    }
  }
  return byHand;
}

function rebuild(file: string, line: number | null, column: number | null): string {
  if (line === null) return file;
  return column === null ? `${file}:${line}` : `${file}:${line}:${column}`;
}

/** Trailing `:line:col` or `:line` (digits only) split off; linear. */
function splitByHand(loc: string): { file: string | null; line: number | null; column: number | null } {
  const last = trailingNumber(loc);
  if (!last) return { file: loc, line: null, column: null };
  const prev = trailingNumber(last.rest);
  if (prev && prev.rest !== '') return { file: prev.rest, line: prev.value, column: last.value };
  if (last.rest === '') return { file: loc, line: null, column: null };
  return { file: last.rest, line: last.value, column: null };
}

function trailingNumber(s: string): { rest: string; value: number } | null {
  let i = s.length;
  while (i > 0 && isDigit(s.charCodeAt(i - 1))) i--;
  const digits = s.length - i;
  if (digits === 0 || digits > 9 || i === 0 || s[i - 1] !== ':') return null;
  return { rest: s.slice(0, i - 1), value: Number(s.slice(i)) };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * A frame without a function part whose caller is Node's ES module runner or `vm` is the top-level
 * code of a module or script; V8's text gives no other sign of it.
 */
function markModuleCode(parsed: ParsedLine[]): void {
  for (let i = 0; i + 1 < parsed.length; i++) {
    const p = parsed[i]!;
    if (!p.bare || p.frame.eval || p.frame.function !== null) continue;
    const caller = parsed[i + 1]!.frame.file ?? '';
    if (caller.startsWith('node:internal/modules/esm/module_job') || caller === 'node:internal/vm' || caller === 'node:vm') {
      p.frame.toplevel = true;
    }
  }
}

/** Leading spaces/tabs before `at `, or -1 when the line is not an `at` line. */
function atIndent(line: string): number {
  const i = leadingBlanks(line);
  return line.startsWith('at ', i) ? i : -1;
}

function leadingBlanks(line: string): number {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

/** Lines without their terminators, lazily: a 10 MB text is not copied into an array. */
function* lines(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    yield text.slice(start, stop);
    start = end + 1;
  }
}

const HEADER = /^(?:Uncaught )?([A-Za-z_$][\w$]{0,127})(?: \[[\w-]{1,64}\])?(:|$)/;
const CARET = /^[ \t]*\^+[ \t]*$/;

/**
 * The error class from the header: the first non-empty line, after the source excerpt Node prints
 * before an uncaught error (`/path/file.js:3`, the code line, a caret line, an empty line).
 */
function headerClass(before: string[]): string | null {
  let start = 0;
  for (let i = 1; i < Math.min(before.length, 5); i++) {
    if (CARET.test(before[i]!)) {
      start = i + 1;
      break;
    }
  }
  for (let i = start; i < before.length; i++) {
    const line = before[i]!.trim();
    if (line === '') continue;
    const m = HEADER.exec(line);
    if (!m) return null;
    const name = m[1] ?? '';
    // `Error` alone is an error without a message; a bare word is only taken when it reads as one.
    if (m[2] === '' && !/(?:Error|Exception)$/.test(name)) return null;
    return name;
  }
  return null;
}

function nodeVersion(line: string): string | null {
  const m = /^Node\.js (v\d{1,4}\.\d{1,6}\.\d{1,6}(?:-[\w.]{1,32})?)\s*$/.exec(line.slice(0, 128));
  return m ? (m[1] ?? null) : null;
}
