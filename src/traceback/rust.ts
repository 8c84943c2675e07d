/**
 * Rust crash text (the standard library's panic hook and abort messages on stderr) -> frames.
 *
 * A panic, in the three header shapes Rust has printed:
 *
 *   thread 'main' (12345) panicked at src/report.rs:2:16:    1.91+: thread id, location, `:`
 *   thread 'main' panicked at src/report.rs:2:16:            1.73 - 1.90: message on the next lines
 *   thread 'main' panicked at 'index out of bounds', src/report.rs:2:16      before 1.73: the
 *                                                    message, quoted, may span lines; the location
 *                                                    ends the line that closes it
 *
 * then, with RUST_BACKTRACE=1 (or `full`, which adds addresses and `::h<hash>` suffixes):
 *
 *   stack backtrace:
 *      0: __rustc::rust_begin_unwind
 *                at /rustc/<commit>/library/std/src/panicking.rs:689:5
 *      3: ledger::report::print_row
 *                at ./src/report.rs:2:16
 *      4:     0x55a7611fc869 - ledger::main::hb86eda6edca46ec0       (full)
 *                               at /home/u/ledger/src/main.rs:25:22
 *
 * Frames: the backtrace's symbols with `::h<16 hex>` suffixes and `[<hex>]` crate disambiguators
 * removed (both change with every build), the standard library and start-up glue dropped
 * (runtime-frames.ts), the first `at` line of each symbol as its file and absolute line and column.
 * A symbol stays as printed otherwise: `ledger::report::print_row`,
 * `<ledger::Account as core::fmt::Display>::fmt`, `ledger::main::{{closure}}`. A release build
 * without debug info has symbols without `at` lines: frames without a file.
 *
 * Without a backtrace (RUST_BACKTRACE unset), or when every frame of it was dropped, the panic's
 * location is the one frame, with no function name: a panic still counts, at its place.
 *
 * When a text holds several panics (a thread panicked, then `main` unwrapped its join), the last
 * one ended the program and is the crash.
 *
 * Stack overflow (`thread 'main' has overflowed its stack` / `fatal runtime error: stack overflow`)
 * has no backtrace: it is the NamedCrash `crash/stack-overflow`. Allocation failure
 * (`memory allocation of N bytes failed`) is kind `oom` with the backtrace's frames when there is
 * one, else the NamedCrash `crash/oom` (as Node's heap exhaustion). Another `fatal runtime error:`
 * without a panic is kind `fatal runtime error` without frames.
 *
 * errorClass: `panic` for a panic (its message is free text and never read), `out of memory` for
 * an allocation failure, null otherwise. Never throws; looks at the last MAX_LINES lines.
 */
import type { Frame, ParsedCrash } from './frame.js';
import { isDroppedForeignFrame } from './runtime-frames.js';
import { MAX_FOREIGN_FRAMES, MAX_LINE, indentOf, splitLocation, tailLines, textFrame } from './text-lines.js';

/** Cheap check: a panic header, an overflow or allocation-failure line, or a fatal runtime error. */
export function recogniseRust(text: string): boolean {
  if (typeof text !== 'string') return false;
  const { lines } = tailLines(text);
  return lines.some((l) => l.length <= MAX_LINE && eventOf(l) !== null);
}

/** The crash the text ends with; see the module comment. Never throws. */
export function parseRust(text: string): ParsedCrash {
  try {
    return parse(typeof text === 'string' ? text : '');
  } catch {
    return { type: 'unparsed' };
  }
}

type Event = 'panic' | 'overflow' | 'oom' | 'fatal';

function eventOf(line: string): Event | null {
  if (line.startsWith("thread '")) {
    if (panicRest(line) !== null) return 'panic';
    if (line.trimEnd().endsWith(' has overflowed its stack')) return 'overflow';
    return null;
  }
  if (line.startsWith('memory allocation of ') && line.trimEnd().endsWith(' bytes failed')) return 'oom';
  if (line.startsWith('fatal runtime error: ')) return line.includes('stack overflow') ? 'overflow' : 'fatal';
  return null;
}

/** The text after `panicked at ` of a panic header, or null. */
function panicRest(line: string): string | null {
  // `thread '<name>' panicked at `, `thread '<name>' (<id>) panicked at `.
  const k = line.indexOf("' panicked at ", 8);
  const j = line.indexOf(') panicked at ', 8);
  if (k > 0) return line.slice(k + "' panicked at ".length);
  if (j > 0 && /^' \(\d{1,20}$/.test(line.slice(line.lastIndexOf("'", j), j))) return line.slice(j + ') panicked at '.length);
  return null;
}

function parse(text: string): ParsedCrash {
  const { lines } = tailLines(text);
  let last: { event: Event; at: number } | null = null;
  let lastPanic = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE) continue;
    const event = eventOf(line);
    if (event === null) continue;
    // `fatal runtime error: stack overflow` right after the overflow line is the same event.
    if (event === 'overflow' && last?.event === 'overflow' && last.at === i - 1) continue;
    last = { event, at: i };
    if (event === 'panic') lastPanic = i;
  }
  if (last === null) return { type: 'unparsed' };
  if (last.event === 'overflow') return { type: 'counter', name: 'crash/stack-overflow', runtime: 'rust', entry: null };
  if (last.event === 'oom') {
    const frames = backtrace(lines, last.at + 1);
    if (frames.length === 0) return { type: 'counter', name: 'crash/oom', runtime: 'rust', entry: null };
    return { type: 'stack', kind: 'oom', errorClass: 'out of memory', frames, runtime: 'rust', runtimeVersion: null, entry: null };
  }
  if (last.event === 'fatal' && lastPanic < 0) {
    return { type: 'stack', kind: 'fatal runtime error', errorClass: null, frames: [], runtime: 'rust', runtimeVersion: null, entry: null };
  }
  const at = lastPanic;
  const location = panicLocation(lines, at);
  let frames = backtrace(lines, at + 1);
  if (frames.length === 0 && location !== null) {
    const frame = textFrame(location.file, null, location.line, location.column);
    if (!isDroppedForeignFrame('rust', frame)) frames = [frame];
  }
  return { type: 'stack', kind: 'panic', errorClass: 'panic', frames, runtime: 'rust', runtimeVersion: null, entry: null };
}

/** The location of the panic whose header is line `at`, in any of the three header shapes. */
function panicLocation(lines: string[], at: number): { file: string; line: number; column: number | null } | null {
  const rest = panicRest(lines[at]!) ?? '';
  if (!rest.startsWith("'")) {
    // 1.73+: `src/x.rs:1:2:`.
    const loc = rest.trimEnd();
    return splitLocation(loc.endsWith(':') ? loc.slice(0, -1) : loc);
  }
  // Before 1.73: `'message', src/x.rs:1:2`; the message may span lines. The location ends the
  // first line (from the header on) that ends with `', <path>:<line>[:<col>]`.
  for (let i = at; i < lines.length && i < at + 64; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE) continue;
    const q = line.lastIndexOf("', ");
    if (q < 0) continue;
    const loc = line.slice(q + 3).trimEnd();
    if (loc.includes("'")) continue;
    const where = splitLocation(loc);
    if (where !== null && where.file !== '') return where;
  }
  return null;
}

/**
 * The frames of the `stack backtrace:` that follows line `from` (before the next panic), innermost
 * first, runtime frames dropped.
 */
function backtrace(lines: string[], from: number): Frame[] {
  let start = -1;
  for (let i = from; i < lines.length && i < from + 256; i++) {
    const l = lines[i]!;
    if (l.trimEnd() === 'stack backtrace:') {
      start = i + 1;
      break;
    }
    if (eventOf(l) !== null) return [];
  }
  if (start < 0) return [];
  // Every symbol with its frame; trimmed to Rust's own short backtrace below.
  const all: { symbol: string; frame: Frame }[] = [];
  let current: { symbol: string; located: boolean; frame: Frame } | null = null;
  const flush = (): void => {
    if (current !== null && all.length < MAX_LINES_OF_BACKTRACE) all.push({ symbol: current.symbol, frame: current.frame });
    current = null;
  };
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE) continue;
    const s = line.trim();
    if (s.startsWith('at ')) {
      const c = current as { symbol: string; located: boolean; frame: Frame } | null;
      if (c !== null && !c.located) {
        const where = splitLocation(s.slice(3).trim());
        if (where !== null) {
          c.frame.file = where.file;
          c.frame.line = where.line;
          c.frame.column = where.column;
        }
        c.located = true;
      }
      continue;
    }
    const symbol: string | null = numberedSymbol(s) ?? (current !== null && s !== '' && indentOf(line) >= 6 && isSymbolish(s) ? s : null);
    if (symbol === null) break; // `note: ...`, a blank line, the next panic: the backtrace ended
    flush();
    current = { symbol, located: false, frame: textFrame(null, cleanSymbol(symbol), null) };
  }
  flush();
  // As Rust's short backtrace: only the frames between the panic machinery (and any panic hook),
  // which ends at `__rust_end_short_backtrace`, and the start-up code, which begins at
  // `__rust_begin_short_backtrace`. A full backtrace (or one a panic hook captured) shows both.
  let first = 0;
  let end = all.length;
  for (let i = 0; i < all.length; i++) {
    if (all[i]!.symbol.includes('__rust_end_short_backtrace')) first = i + 1;
    else if (all[i]!.symbol.includes('__rust_begin_short_backtrace') && i >= first) {
      end = i;
      break;
    }
  }
  const frames: Frame[] = [];
  for (const { frame } of all.slice(first, end)) {
    if (frames.length >= MAX_FOREIGN_FRAMES) break;
    if (!isDroppedForeignFrame('rust', frame)) frames.push(frame);
  }
  return frames;
}

/** Symbols read from one backtrace (frames are kept up to MAX_FOREIGN_FRAMES after trimming). */
const MAX_LINES_OF_BACKTRACE = 4 * MAX_FOREIGN_FRAMES;

/** `3: crate::f`, `4:     0x55a7611fc869 - crate::f::h0123456789abcdef` -> the symbol. */
function numberedSymbol(s: string): string | null {
  let i = 0;
  while (i < s.length && i < 10 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === 0 || s[i] !== ':') return null;
  let rest = s.slice(i + 1).trim();
  const dash = rest.indexOf(' - ');
  if (rest.startsWith('0x') && dash > 0) rest = rest.slice(dash + 3).trim();
  else if (/^0x[0-9a-fA-F]+$/.test(rest)) rest = '<unknown>';
  return rest === '' ? '<unknown>' : rest;
}

/** An unnumbered symbol line (an inlined frame in some formats). */
function isSymbolish(s: string): boolean {
  return !s.includes(' ') || s.startsWith('<');
}

/** Removes `::h<16 hex>` suffixes and `[<hex>]` crate disambiguators. */
function cleanSymbol(symbol: string): string {
  let s = symbol.length > 2048 ? symbol.slice(0, 2048) : symbol;
  s = s.replace(/::h[0-9a-f]{16}$/, '');
  s = s.replace(/\[[0-9a-f]{1,16}\]/g, '');
  return s;
}
