/**
 * Go crash text (what the Go runtime prints on stderr, or on the crash output a Go 1.23+ program
 * sets with debug.SetCrashOutput) -> the crashing goroutine's frames.
 *
 * The shape, for every Go release since 1.0 (1.17 added `({0x...})` argument lists, 1.21 the
 * `in goroutine N` of `created by` lines, 1.23 `gp=... m=...` in goroutine headers under some
 * GOTRACEBACK settings):
 *
 *   panic: runtime error: index out of range [5] with length 3      <- header (the message is
 *   [signal SIGSEGV: segmentation violation code=... addr=0x0 pc=...]   never kept)
 *
 *   goroutine 1 [running]:                                          <- the crashing goroutine
 *   main.(*T).lookup(...)                                           <- function line (args cut)
 *   \t/home/u/src/x/main.go:16 +0x1d                                <- file line
 *   ...additional frames elided...
 *   created by main.main in goroutine 1                             <- not a frame: end of block
 *
 * Headers: `panic: ...` (with `[recovered]` chains: `panic: a [recovered]` then `\tpanic: b`, the
 * last one is the panic that killed the program), `fatal error: ...` (runtime throws such as
 * `concurrent map writes`, `stack overflow`), and a raw signal `SIGSEGV: segmentation violation`
 * (a signal in non-Go code). The last header in the text anchors the crash, so a goroutine dump
 * the program printed earlier (debug.Stack in a log) is not taken for it; from there the first
 * goroutine whose status is `running` is the one that crashed: Go prints it first. `runtime
 * stack:` blocks (the system stack of a throw) are not goroutines and are skipped.
 *
 * No running goroutine (a deadlock: `all goroutines are asleep`, or a signal in cgo code whose
 * goroutine is in `[syscall]`) gives Go's own counter name, `crash/no-running-goroutine`.
 *
 * Frames: function names keep the package path and receiver
 * (`golang.org/x/tools/gopls/internal/cache.(*Snapshot).load`) because Go names are static: the
 * same function always prints the same name. Files are as printed (absolute, or module-relative
 * under -trimpath); lines are absolute. The runtime's own frames (`runtime.*`, `runtime/debug.*`,
 * `panic(...)`) are dropped here (runtime-frames.ts). `created by` lines are left out, as in Go's
 * own crash counters.
 *
 * errorClass is a fixed vocabulary, because Go panic values are free text that may hold user data:
 *   `runtime error`  `panic: runtime error: ...`, `panic: interface conversion: ...`, and the
 *                    runtime's fixed plain panics (`assignment to entry in nil map`, `send on
 *                    closed channel`, ...)
 *   `panic`          any other panic value (a custom error, a string, ...)
 *   `fatal error`    `fatal error: ...`
 *   `SIGSEGV`, ...   a raw signal header
 *   null             a goroutine dump without any header
 * kind is `panic`, `fatal error`, `signal`, or `goroutine dump` (no header).
 *
 * Never throws; reads at most MAX_LINES lines after the header and keeps MAX_FOREIGN_FRAMES frames.
 */
import type { Frame, ParsedCrash, StackCrash } from './frame.js';
import { isDroppedForeignFrame } from './runtime-frames.js';
import { MAX_FOREIGN_FRAMES, MAX_LINE, indentOf, isBlank, linesFrom, parseCount, textFrame } from './text-lines.js';

type HeaderKind = 'panic' | 'fatal error' | 'signal';

interface Header {
  kind: HeaderKind;
  /** Character offset of the header line. */
  start: number;
  end: number;
}

/**
 * Cheap check: a goroutine header (`goroutine 1 [running]:`) directly followed by a Go function
 * line. Every Go crash has one; a lone `panic:` or `fatal error:` line (C compilers print the
 * latter too) is not enough.
 */
export function recogniseGo(text: string): boolean {
  if (typeof text !== 'string') return false;
  for (const start of lineStarts(text, 'goroutine ')) {
    const end = lineEnd(text, start);
    if (end - start > 256 || !isGoroutineHeader(text.slice(start, end))) continue;
    const next = end + 1;
    if (next >= text.length) return false;
    const nextEnd = lineEnd(text, next);
    const c = text.charCodeAt(next);
    if (nextEnd - next <= MAX_LINE && c !== 32 && c !== 9 && functionName(text.slice(next, nextEnd).trimEnd()) !== null) return true;
  }
  return false;
}

/** The crashing goroutine's frames, innermost first; see the module comment. Never throws. */
export function parseGo(text: string): ParsedCrash {
  try {
    return parse(typeof text === 'string' ? text : '');
  } catch {
    return { type: 'unparsed' };
  }
}

function parse(text: string): ParsedCrash {
  // The last header line anchors the crash (in a `[recovered]` chain, the last `\tpanic:` line).
  let header: Header | null = null;
  for (const prefix of ['panic: ', '\tpanic: ', 'fatal error: ', 'SIG']) {
    for (const start of lineStarts(text, prefix)) {
      if (header !== null && start <= header.start) continue;
      const end = lineEnd(text, start);
      const kind = headerKindAt(text, start, end);
      if (kind !== null) header = { kind, start, end };
    }
  }
  let anchor = header?.start ?? -1;
  if (anchor < 0) {
    // No header (a program printing its own stack): from the first goroutine header.
    for (const start of lineStarts(text, 'goroutine ')) {
      const end = lineEnd(text, start);
      if (end - start <= 256 && isGoroutineHeader(text.slice(start, end))) {
        anchor = start;
        break;
      }
    }
  }
  const view = linesFrom(text, Math.max(anchor, 0));
  const lines = view.lines;

  let errorClass: string | null = null;
  let kind = 'goroutine dump';
  if (header !== null) {
    const first = text.slice(header.start, Math.min(header.end, header.start + MAX_LINE));
    kind = header.kind;
    errorClass = classify(header.kind, first, lines);
  }

  let sawGoroutine = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!isGoroutineHeader(line)) continue;
    sawGoroutine = true;
    if (!line.includes('[running')) continue;
    const frames = goroutineFrames(lines, i + 1);
    if (frames === null) continue; // `goroutine running on other thread; stack unavailable`
    const crash: StackCrash = { type: 'stack', kind, errorClass, frames, runtime: 'go', runtimeVersion: null, entry: null };
    return crash;
  }
  if (sawGoroutine) return { type: 'counter', name: 'crash/no-running-goroutine', runtime: 'go', entry: null };
  if (header === null) return { type: 'unparsed' };
  return { type: 'stack', kind, errorClass, frames: [], runtime: 'go', runtimeVersion: null, entry: null };
}

/** `panic: `, `\tpanic: `, `fatal error: `, `SIGSEGV: ...` at the start of the line. */
function headerKindAt(text: string, start: number, end: number): HeaderKind | null {
  if (end - start > MAX_LINE) return null;
  if (text.startsWith('panic: ', start) || text.startsWith('\tpanic: ', start)) return 'panic';
  if (text.startsWith('fatal error: ', start)) return 'fatal error';
  if (text.startsWith('SIG', start)) {
    const colon = text.indexOf(': ', start);
    if (colon > start + 3 && colon <= start + 11 && /^SIG[A-Z0-9]{2,8}$/.test(text.slice(start, colon))) return 'signal';
  }
  return null;
}

const RUNTIME_PLAIN_PANICS = [
  'assignment to entry in nil map',
  'close of nil channel',
  'close of closed channel',
  'send on closed channel',
  'all goroutines are asleep',
  'makeslice: len out of range',
  'makeslice: cap out of range',
  'makechan: size out of range',
  'growslice: len out of range',
  'integer divide by zero',
  'invalid memory address or nil pointer dereference',
];

/** The header's class from the fixed vocabulary (never any part of the message). */
function classify(kind: HeaderKind, first: string, lines: string[]): string | null {
  if (kind === 'fatal error') return 'fatal error';
  if (kind === 'signal') return first.slice(0, first.indexOf(':'));
  // The last `panic:` line of a `[recovered]` chain is the panic that ended the program.
  let value = first.startsWith('\t') ? first.slice(1) : first;
  for (let i = 1; i < Math.min(lines.length, 64); i++) {
    const l = lines[i]!;
    if (l.startsWith('\tpanic: ')) value = l.slice(1);
    else if (!l.startsWith('\t') && l !== '') break;
  }
  const message = value.slice('panic: '.length);
  if (message.startsWith('runtime error: ') || message.startsWith('interface conversion: ')) return 'runtime error';
  if (RUNTIME_PLAIN_PANICS.some((p) => message.startsWith(p))) return 'runtime error';
  return 'panic';
}

/** `goroutine 1 [running]:`, `goroutine 7 gp=0xc0 m=3 mp=0xc1 [chan receive, 2 minutes]:`. */
function isGoroutineHeader(line: string): boolean {
  if (!line.startsWith('goroutine ') || line.length > 256) return false;
  let i = 'goroutine '.length;
  const digits = i;
  while (i < line.length && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  if (i === digits || line[i] !== ' ') return false;
  const t = line.trimEnd();
  return t.endsWith(']:') && t.indexOf('[', i) > 0;
}

/**
 * The frames of one goroutine block starting at `from` (the line after its header), innermost
 * first, runtime frames dropped; null when the block has no frame line at all.
 */
function goroutineFrames(lines: string[], from: number): Frame[] | null {
  const frames: Frame[] = [];
  let sawFunction = false;
  for (let i = from; i < lines.length && frames.length < MAX_FOREIGN_FRAMES; i++) {
    const line = lines[i]!;
    if (isBlank(line)) break;
    if (line.length > MAX_LINE) continue;
    const trimmed = line.trim();
    if (trimmed.startsWith('created by ')) break;
    if (trimmed.startsWith('...')) continue; // `...additional frames elided...`, `...5 frames elided...`
    if (indentOf(line) > 0) continue; // a file line without its function line
    const fn = functionName(trimmed);
    if (fn === null) {
      if (isGoroutineHeader(line)) break;
      if (fileLine(line) === null) break; // not a frame: the block ended
      continue; // a file line printed without its tab
    }
    sawFunction = true;
    // The next line is its file line, when it has the shape of one.
    let where: { file: string; line: number } | null = null;
    const next = lines[i + 1];
    if (next !== undefined && next.length <= MAX_LINE) {
      where = fileLine(next);
      if (where !== null) i++;
    }
    const frame = textFrame(where?.file ?? null, fn, where?.line ?? null);
    if (!isDroppedForeignFrame('go', frame)) frames.push(frame);
  }
  return sawFunction ? frames : null;
}

/**
 * `pkg.(*T).method(0x1, {0x2, 0x3})` -> `pkg.(*T).method`: the argument list is the last
 * balanced parenthesis group. Null when the line is not a function line.
 */
function functionName(line: string): string | null {
  if (!line.endsWith(')')) return null;
  let depth = 0;
  let open = -1;
  for (let i = line.length - 1; i >= 0; i--) {
    const c = line[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) {
        open = i;
        break;
      }
    }
  }
  if (open <= 0) return null;
  const name = line.slice(0, open);
  if (/\s/.test(name) || name.endsWith(':')) return null;
  return name;
}

/**
 * A file line: `\t/abs/path/x.go:12 +0x1d fp=0x... sp=0x... pc=0x...`, `\tpkg/x.go:12`, gopls's
 * redacted `\t  x.go:12  0x1d`. Null when the line does not have that shape.
 */
function fileLine(raw: string): { file: string; line: number } | null {
  let s = raw.trim();
  const fp = s.indexOf(' fp=');
  if (fp > 0) s = s.slice(0, fp).trimEnd();
  // The pc offset: ` +0x1d`, or gopls's `  0x1d`.
  const sp = s.lastIndexOf(' ');
  if (sp > 0) {
    const tail = s.slice(sp + 1);
    if (/^\+?0x[0-9a-fA-F]{1,16}$/.test(tail)) s = s.slice(0, sp).trimEnd();
  }
  const colon = s.lastIndexOf(':');
  if (colon <= 0) return null;
  const line = parseCount(s.slice(colon + 1));
  if (line === null) return null;
  const file = s.slice(0, colon);
  if (file === '' || file.endsWith(')')) return null;
  return { file, line };
}

/** Offsets of the lines that start with `prefix`, in order; linear in the text (indexOf). */
function* lineStarts(text: string, prefix: string): Generator<number> {
  let from = 0;
  while (from < text.length) {
    const i = text.indexOf(prefix, from);
    if (i < 0) return;
    if (i === 0 || text.charCodeAt(i - 1) === 10) yield i;
    from = i + 1;
  }
}

/** End of the line starting at `start` (before `\n` and a `\r`). */
function lineEnd(text: string, start: number): number {
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  return end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
}
