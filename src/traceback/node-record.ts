/**
 * One structured crash record line (record.ts, written by the Node preload) -> a StackCrash.
 *
 * The line is untrusted: whatever writes on the channel decides its content. It is read with
 * JSON.parse and then field by field into fresh objects: a field of the wrong type is treated as
 * absent, only own properties are read (a `__proto__` key is just an ignored key), at most
 * MAX_RECORD_FRAMES frames are read, and strings longer than MAX_STRING are cut (names) or dropped
 * (paths: a cut path would be a different path).
 *
 * Function names are reduced to the function's own name as for V8 text (v8-name.ts), so a record
 * and the printed stack of the same crash give the same frames.
 *
 * Module code: V8 runs CommonJS module code inside Node's module wrapper, an unnamed function
 * starting at line 1, column 1 (getFunctionName() null, isToplevel() false); ES module and
 * `node -e` code is a script whose "enclosing function" is also at 1:1. A frame with no function
 * name, not eval, that the record flags `top` or whose enclosing position is 1:1 is therefore
 * module code (`toplevel`). (V8's isToplevel() would not do: it is also true for any anonymous
 * callback called without a receiver, `[1].map(() => ...)`; the preload's `top` does not use it.)
 *
 * When the record has no usable frames but a `stack` text (frames unavailable), that text is
 * parsed as V8 stack text instead.
 */
import type { Frame, StackCrash } from './frame.js';
import { MAX_JSON, MAX_RECORD_FRAMES, MAX_STACK_TEXT, MAX_STRING } from './limits.js';
import { RECORD_PREFIX } from './record.js';
import { parseV8Text } from './v8.js';
import { v8OwnName } from './v8-name.js';

/** A record line -> its crash; null when the line is not a valid record. Never throws. */
export function parseRecord(line: string): StackCrash | null {
  try {
    return readRecord(line);
  } catch {
    return null;
  }
}

function readRecord(line: string): StackCrash | null {
  if (typeof line !== 'string' || line.length > MAX_JSON) return null;
  const text = line.trim();
  if (!text.startsWith(RECORD_PREFIX)) return null;
  const value: unknown = JSON.parse(text);
  if (!isObject(value) || own(value, 'watchdog') !== 1) return null;

  const frames: Frame[] = [];
  const list = own(value, 'frames');
  if (Array.isArray(list)) {
    const n = Math.min(list.length, MAX_RECORD_FRAMES);
    for (let i = 0; i < n; i++) {
      const f = readFrame(list[i]);
      if (f) frames.push(f);
    }
  }
  let errorClass = shortString(own(value, 'errorClass'), MAX_STRING);
  let runtimeVersion = version(own(value, 'runtimeVersion'));
  const stack = own(value, 'stack');
  if (frames.length === 0 && typeof stack === 'string') {
    const parsed = parseV8Text(stack.length > MAX_STACK_TEXT ? stack.slice(0, MAX_STACK_TEXT) : stack);
    frames.push(...parsed.frames.slice(0, MAX_RECORD_FRAMES));
    errorClass ??= parsed.errorClass;
    runtimeVersion ??= parsed.runtimeVersion;
  }

  const crash: StackCrash = {
    type: 'stack',
    kind: kind(own(value, 'kind')),
    errorClass,
    frames,
    runtime: runtime(own(value, 'runtime')),
    runtimeVersion,
    entry: path(own(value, 'entry')),
  };
  const pid = own(value, 'pid');
  if (typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0) crash.pid = pid;
  if (own(value, 'handled') === true) crash.handled = true;
  return crash;
}

function readFrame(raw: unknown): Frame | null {
  if (!isObject(raw)) return null;
  const fn = shortString(own(raw, 'fn'), MAX_STRING);
  const line = position(own(raw, 'line'));
  const column = position(own(raw, 'col'));
  const enclosingLine = position(own(raw, 'encLine'));
  const enclosingColumn = position(own(raw, 'encCol'));
  const isEval = own(raw, 'eval') === true;
  const frame: Frame = {
    file: path(own(raw, 'file')),
    function: v8OwnName(fn),
    line,
    column,
    enclosingLine,
    enclosingColumn,
  };
  const moduleStart = enclosingLine === 1 && enclosingColumn === 1;
  if (fn === null && !isEval && (own(raw, 'top') === true || moduleStart)) frame.toplevel = true;
  if (isEval) frame.eval = true;
  if (own(raw, 'native') === true) frame.native = true;
  return frame;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property only: nothing is ever read through the prototype chain. */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** A string cut to `max` UTF-16 units (never splitting a surrogate pair); null when not a string. */
function shortString(v: unknown, max: number): string | null {
  if (typeof v !== 'string' || v === '') return null;
  if (v.length <= max) return v;
  const cut = v.charCodeAt(max - 1) >= 0xd800 && v.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
  return v.slice(0, cut);
}

/** Paths are dropped, not cut, when too long: a cut path names another file. */
function path(v: unknown): string | null {
  return typeof v === 'string' && v !== '' && v.length <= MAX_STRING ? v : null;
}

/** A 1-based line or column (0 tolerated), else null. */
function position(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 0x7fffffff ? v : null;
}

function kind(v: unknown): string {
  const s = typeof v === 'string' ? v.slice(0, 256).replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64) : '';
  return s === '' ? 'unknown' : s;
}

function runtime(v: unknown): string {
  return typeof v === 'string' && /^[a-z][a-z0-9]{0,31}$/.test(v) ? v : 'node';
}

function version(v: unknown): string | null {
  return typeof v === 'string' && /^v?[0-9A-Za-z.+-]{1,64}$/.test(v) ? v : null;
}
