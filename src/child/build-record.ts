/**
 * Building a CrashRecord (src/traceback/record.ts) from what a crash leaves in the process.
 *
 * Invariants:
 * - Nothing the program computed ever goes in: no message, no thrown value, no argument, no
 *   environment. What goes in is code identity: class names, function names, file paths,
 *   positions, and (when V8's frames are gone) the frame lines of the stack text, cut below the
 *   error's header so its message stays out.
 * - Bounded: at most MAX_FRAMES frames, every string at most MAX_STRING characters (names are
 *   cut, paths longer than that are dropped: a cut path would name another file), the whole
 *   line at most MAX_RECORD_BYTES bytes (outer frames are dropped to fit), so one write of it
 *   never fills a pipe (64 KiB) or a socket buffer.
 * - Runs at crash time only; reads the error defensively (getters may throw, proxies may trap).
 * - Part of the crash-time half (crash-time.ts), which the preload loads at the first crash: it
 *   holds no state of the start-up half (the CallSites an error's formatting kept, stack-hook.ts,
 *   are asked for through the `sitesOf` function the caller passes), and the builtins it keeps
 *   below are those of the moment it loads (in the preload, the first crash: a builtin the program
 *   replaced by then is the one used; the formatter wrapper, which runs while the program does,
 *   keeps its own from start-up).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { types } from 'node:util';
import type { CrashRecord, RecordFrame } from '../traceback/record.js';

export const MAX_FRAMES = 64;
export const MAX_STRING = 1024;
export const MAX_RECORD_BYTES = 32 * 1024;

type CallSite = NodeJS.CallSite;
/** The CallSites of an error (stack-hook.ts callSitesOf), or undefined when they cannot be had. */
export type SitesOf = (error: object) => CallSite[] | undefined;

const ErrorCtor = Error;
const ReflectApply = Reflect.apply;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectHasOwn = Object.hasOwn;
const ArrayIsArray = Array.isArray;
const ErrorPrototypeToString = Error.prototype.toString;
const JSONStringify = JSON.stringify;
const isProxy = types.isProxy;

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value;
}

/** Paths are dropped, not cut, when too long: a cut path would name another file. */
function pathText(value: unknown): string | null {
  return typeof value === 'string' && value.length <= MAX_STRING ? value : null;
}

function position(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** One V8 CallSite as a RecordFrame. */
export function frameOf(site: CallSite): RecordFrame {
  const fn = text(site.getFunctionName());
  const file = pathText(site.getFileName() ?? site.getScriptNameOrSourceURL());
  const isEval = site.isEval();
  const encLine = position(site.getEnclosingLineNumber());
  const encCol = position(site.getEnclosingColumnNumber());
  const frame: RecordFrame = {
    file,
    fn,
    line: position(site.getLineNumber()),
    col: position(site.getColumnNumber()),
    encLine,
    encCol,
  };
  // Module or script top-level code (ESM module body, CommonJS module wrapper, a script): no
  // name, not eval, and the code unit around it starts at 1:1. V8's isToplevel() is not the test:
  // it is also true for any anonymous callback called without a receiver.
  if (fn === null && !isEval && encLine === 1 && encCol === 1) frame.top = true;
  if (isEval) frame.eval = true;
  if (site.isNative()) frame.native = true;
  return frame;
}

export function framesOf(sites: readonly CallSite[]): RecordFrame[] {
  const frames: RecordFrame[] = [];
  const n = Math.min(sites.length, MAX_FRAMES);
  for (let i = 0; i < n; i++) {
    const site = sites[i];
    if (site === undefined) continue;
    try {
      frames.push(frameOf(site));
    } catch {
      // A CallSite that cannot answer is left out.
    }
  }
  return frames;
}

/**
 * The class of a thrown value: the name of the nearest constructor on its prototype chain
 * (`TypeError`, also for Node's internal errors, whose `constructor` is a getter), `null` for null,
 * typeof for other primitives (`string`, `number`), and `object`/`function` when there is no named
 * constructor or the value is a Proxy (never trapped).
 */
export function classOf(value: unknown): string {
  if (value === null) return 'null';
  const t = typeof value;
  if (t !== 'object' && t !== 'function') return t;
  try {
    if (isProxy(value)) return t;
    for (let o: unknown = ObjectGetPrototypeOf(value); o !== null && o !== undefined; o = ObjectGetPrototypeOf(o)) {
      if (isProxy(o)) return t;
      const desc = ObjectGetOwnPropertyDescriptor(o, 'constructor');
      if (desc === undefined || !('value' in desc)) continue;
      if (typeof desc.value !== 'function') return t;
      const name = ObjectGetOwnPropertyDescriptor(desc.value, 'name');
      return name !== undefined && typeof name.value === 'string' && name.value !== '' ? (text(name.value) as string) : t;
    }
  } catch {
    // Fall through.
  }
  return t;
}

function headersOf(error: object): string[] {
  const headers: string[] = [];
  try {
    headers.push(ReflectApply(ErrorPrototypeToString, error, []) as string);
  } catch {
    // No header of this shape.
  }
  try {
    const e = error as { name?: unknown; code?: unknown; message?: unknown };
    headers.push(`${String(e.name)} [${String(e.code)}]: ${String(e.message)}`);
  } catch {
    // No header of this shape.
  }
  return headers;
}

const FRAME_LINE = /^\s+at /;

/**
 * The frame lines (`    at ...`) of an error's stack text, without its header and message:
 * everything after the header when the text contains it (Node's formats, source-map-support's),
 * else only the trailing run of frame lines. Undefined when there is none.
 */
export function frameLinesOf(error: object): string | undefined {
  let stack: unknown;
  try {
    stack = (error as { stack?: unknown }).stack;
  } catch {
    return undefined;
  }
  if (typeof stack !== 'string' || stack === '') return undefined;
  let body: string | null = null;
  for (const header of headersOf(error)) {
    if (header === '') continue;
    const at = stack.indexOf(header);
    if (at !== -1) {
      body = stack.slice(at + header.length);
      break;
    }
  }
  const lines = (body ?? stack).split('\n');
  let kept: string[];
  if (body !== null) {
    kept = lines.filter((l) => FRAME_LINE.test(l));
  } else {
    let start = lines.length;
    while (start > 0 && FRAME_LINE.test(lines[start - 1] as string)) start--;
    kept = lines.slice(start);
  }
  if (kept.length === 0) return undefined;
  return kept
    .slice(0, MAX_FRAMES)
    .map((l) => (l.length > MAX_STRING ? l.slice(0, MAX_STRING) : l))
    .join('\n');
}

const EVAL_FLAGS = /^(?:-[ep]|-pe|-ep|--eval|--print)(?:=|$)/;

/** Absolute path of the main module: require.main, else argv[1] when it names a file. */
export function entryOf(): string | null {
  try {
    const main = process.mainModule;
    if (main !== undefined && typeof main.filename === 'string') return pathText(main.filename);
    for (const a of process.execArgv) if (EVAL_FLAGS.test(a)) return null;
    const arg = process.argv[1];
    if (typeof arg !== 'string' || arg === '') return null;
    const abs = resolve(arg);
    return statSync(abs, { throwIfNoEntry: false })?.isFile() === true ? pathText(abs) : null;
  } catch {
    return null;
  }
}

function baseRecord(kind: string, errorClass: string | null, frames: RecordFrame[]): CrashRecord {
  // Key order matters: the line must start with RECORD_PREFIX.
  return {
    watchdog: 1,
    kind,
    errorClass,
    frames,
    runtime: 'node',
    runtimeVersion: process.version,
    entry: entryOf(),
    pid: process.pid,
  };
}

/**
 * The record of an uncaught exception or unhandled rejection (`value` is what Node reports);
 * `sitesOf` gives its CallSites (never called for a Proxy).
 */
export function errorRecord(kind: string, value: unknown, handled: boolean, sitesOf: SitesOf): CrashRecord {
  let frames: RecordFrame[] = [];
  let stack: string | undefined;
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    let isProxied = true;
    try {
      isProxied = isProxy(value);
    } catch {
      // Treat as a proxy: do not touch it.
    }
    if (!isProxied) {
      const sites = sitesOf(value);
      if (sites !== undefined) frames = framesOf(sites);
      else stack = frameLinesOf(value);
    }
  }
  const record = baseRecord(kind, classOf(value), frames);
  if (stack !== undefined) record.stack = stack;
  if (handled) record.handled = true;
  return record;
}

/**
 * The CallSites of the caller of `below` (which is left out, with everything it called), at most
 * `limit` of them, for crashes that have no error object (process.abort). Nothing the program can
 * see: a fresh object, Error.prepareStackTrace and Error.stackTraceLimit restored at once.
 */
export function captureCallSites(below: (...args: never[]) => unknown, limit: number): CallSite[] {
  const holder: { stack?: unknown } = {};
  let sites: CallSite[] = [];
  const own = ObjectHasOwn(ErrorCtor, 'prepareStackTrace');
  const savedFormatter: unknown = ErrorCtor.prepareStackTrace;
  const limitDesc = ObjectGetOwnPropertyDescriptor(ErrorCtor, 'stackTraceLimit');
  const raise = limitDesc !== undefined && limitDesc.writable === true && ObjectHasOwn(limitDesc, 'value');
  try {
    ErrorCtor.prepareStackTrace = (_e: Error, trace: CallSite[]): CallSite[] => trace;
    if (raise) ErrorCtor.stackTraceLimit = limit;
    ErrorCtor.captureStackTrace(holder, below);
    if (ArrayIsArray(holder.stack)) sites = holder.stack as CallSite[];
  } catch {
    // No frames.
  } finally {
    try {
      if (raise) ErrorCtor.stackTraceLimit = limitDesc.value as number;
      if (own) ErrorCtor.prepareStackTrace = savedFormatter as typeof ErrorCtor.prepareStackTrace;
      else delete (ErrorCtor as { prepareStackTrace?: unknown }).prepareStackTrace;
    } catch {
      // Nothing more to do.
    }
  }
  return sites;
}

/** The record of process.abort(), with the CallSites of its caller. */
export function abortRecord(sites: readonly CallSite[]): CrashRecord {
  return baseRecord('abort', null, framesOf(sites));
}

/**
 * The wire line: JSON + "\n", at most MAX_RECORD_BYTES bytes (outer frames, or outer stack
 * lines, are dropped until it fits). Starts with RECORD_PREFIX (`{"watchdog":1,`) because
 * baseRecord puts `watchdog` first.
 */
export function serialize(record: CrashRecord): string {
  let json = JSONStringify(record);
  while (Buffer.byteLength(json) + 1 > MAX_RECORD_BYTES) {
    if (record.frames.length > 1) {
      record.frames = record.frames.slice(0, Math.ceil(record.frames.length / 2));
    } else if (record.stack !== undefined && record.stack.includes('\n')) {
      const lines = record.stack.split('\n');
      record.stack = lines.slice(0, Math.ceil(lines.length / 2)).join('\n');
    } else {
      record.frames = [];
      delete record.stack;
      record.entry = null;
      json = JSONStringify(record);
      break;
    }
    json = JSONStringify(record);
  }
  return `${json}\n`;
}
