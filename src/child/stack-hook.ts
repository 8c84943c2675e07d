/**
 * The stack hook: keeps the V8 CallSites of every error whose stack gets formatted, without
 * changing the text that is formatted.
 *
 * V8 hands structured frames (CallSites, with the enclosing function's first line) only to
 * `Error.prepareStackTrace`, once per error, when its `stack` is first read. Node calls that
 * function when it is one (the error's realm first, else the main realm), else its internal
 * formatter (plain, or source-mapped under --enable-source-maps).
 *
 * Invariants:
 * - The string an error's `stack` gets is the string it would get without the hook. The hook
 *   never formats anything itself when it can delegate: it wraps the formatter in place, and Node
 *   releases that include nodejs/node#50827 (20.20 does) install their own formatter as
 *   `Error.prepareStackTrace` by default, one that keeps --enable-source-maps working. Only where
 *   there is no function to wrap does the hook reproduce Node's default formatter byte for byte,
 *   and then never while source maps are enabled (that formatter would lose the rewriting), and it
 *   steps aside when `process.setSourceMapsEnabled(true)` is called.
 * - The hook stores a copy of the CallSite array in a WeakMap keyed by the error (cheap: no field
 *   is read until a crash); nothing is added to the error itself.
 * - Whatever happens inside the bookkeeping is swallowed; whatever the delegate throws propagates,
 *   exactly as it would without the hook.
 * - Builtins are captured when this module loads (before the program runs), so a program that
 *   patches them later cannot make the hook misbehave.
 */

type CallSite = NodeJS.CallSite;
type Formatter = (this: unknown, error: Error, trace: CallSite[]) => unknown;

const ErrorCtor = Error;
const ReflectApply = Reflect.apply;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectHasOwn = Object.hasOwn;
const ArrayIsArray = Array.isArray;
const ArrayPrototypeSlice = Array.prototype.slice;
const ArrayPrototypeJoin = Array.prototype.join;
const ErrorPrototypeToString = Error.prototype.toString;
const WeakMapPrototypeGet = WeakMap.prototype.get;
const WeakMapPrototypeSet = WeakMap.prototype.set;

/** CallSites by error (or by any object given to Error.captureStackTrace), innermost first. */
const sitesByError = new WeakMap<object, CallSite[]>();

/** The hook currently assigned to Error.prepareStackTrace by us, or null. */
let installed: Formatter | null = null;
/** What Error.prepareStackTrace was before `installed`, to put it back. */
let previous: { own: boolean; value: unknown } | null = null;
/** Node's private kIsNodeError symbol, once found (only needed where we must format ourselves). */
let kIsNodeError: symbol | null | undefined;
let sourceMapWatch = false;

function remember(error: unknown, trace: unknown): void {
  try {
    if (error !== null && (typeof error === 'object' || typeof error === 'function') && ArrayIsArray(trace)) {
      ReflectApply(WeakMapPrototypeSet, sitesByError, [error, ReflectApply(ArrayPrototypeSlice, trace, [])]);
    }
  } catch {
    // Bookkeeping must never disturb the formatting.
  }
}

/**
 * Node's default formatter (lib/internal/errors.js defaultPrepareStackTrace), for runtimes where
 * Error.prepareStackTrace is not a function by default. Same operations in the same order, so it
 * returns the same string and throws the same way.
 */
function nodeDefaultFormat(error: Error, trace: CallSite[]): string {
  let errorString: string;
  if (kIsNodeError && kIsNodeError in error) {
    const e = error as Error & { code?: unknown };
    errorString = `${e.name} [${String(e.code)}]: ${e.message}`;
  } else {
    errorString = ReflectApply(ErrorPrototypeToString, error, []) as string;
  }
  if (trace.length === 0) return errorString;
  return `${errorString}\n    at ${ReflectApply(ArrayPrototypeJoin, trace, ['\n    at ']) as string}`;
}

function makeHook(delegate: Formatter | null): Formatter {
  const hook = function prepareStackTrace(this: unknown, error: Error, trace: CallSite[]): unknown {
    remember(error, trace);
    if (delegate !== null) return ReflectApply(delegate, this, [error, trace]);
    return nodeDefaultFormat(error, trace);
  };
  // Same name as what it wraps (Node's is `ErrorPrepareStackTrace`), for code that looks.
  try {
    if (delegate !== null && typeof delegate.name === 'string') {
      ObjectDefineProperty(hook, 'name', { value: delegate.name, configurable: true });
    }
  } catch {
    // Keep ours.
  }
  return hook;
}

/** True when Node rewrites printed stacks with source maps (flag, NODE_OPTIONS or at run time). */
export function sourceMapsEnabled(): boolean {
  try {
    if ((process as { sourceMapsEnabled?: unknown }).sourceMapsEnabled === true) return true;
    const flag = /(?:^|\s)--enable-source-maps(?:\s|$)/;
    for (const a of process.execArgv) if (a === '--enable-source-maps') return true;
    return flag.test(process.env.NODE_OPTIONS ?? '');
  } catch {
    return false;
  }
}

/**
 * Finds Node's private kIsNodeError symbol by provoking one internal error (a validation error of
 * a cheap function, no I/O) and looking for the own symbol of that description on the error or
 * its prototype chain (Node 20 defines it as a getter on the NodeError class).
 */
function findNodeErrorSymbol(): symbol | null {
  if (kIsNodeError !== undefined) return kIsNodeError;
  kIsNodeError = null;
  try {
    (Buffer.alloc as (size: unknown) => Buffer)('watchdog');
  } catch (err) {
    try {
      for (let o: unknown = err; o !== null && typeof o === 'object'; o = ObjectGetPrototypeOf(o)) {
        for (const s of ObjectGetOwnPropertySymbols(o)) {
          if (s.description === 'kIsNodeError') return (kIsNodeError = s);
        }
      }
    } catch {
      // Not found: leave null.
    }
  }
  return kIsNodeError;
}

/** Where we format ourselves, step aside before the program turns source maps on. */
function watchSourceMaps(): void {
  if (sourceMapWatch) return;
  const desc = ObjectGetOwnPropertyDescriptor(process, 'setSourceMapsEnabled');
  const original = desc?.value as ((val: boolean) => void) | undefined;
  if (typeof original !== 'function' || !desc?.writable) return;
  const wrapped = {
    setSourceMapsEnabled(this: unknown, val: boolean): void {
      if (val === true) uninstallStackHook();
      return ReflectApply(original, this, [val]) as void;
    },
  }.setSourceMapsEnabled;
  try {
    Object.defineProperty(process, 'setSourceMapsEnabled', { ...desc, value: wrapped });
    sourceMapWatch = true;
  } catch {
    // Left alone.
  }
}

/**
 * Puts the hook in place. Returns false (and changes nothing) when it cannot be done without
 * changing what the program prints: Error frozen, or no formatter to wrap while source maps are on.
 */
export function installStackHook(): boolean {
  try {
    if (installed !== null && ErrorCtor.prepareStackTrace === installed) return true;
    const own = ObjectHasOwn(ErrorCtor, 'prepareStackTrace');
    const current: unknown = ErrorCtor.prepareStackTrace;
    let hook: Formatter;
    if (typeof current === 'function') {
      hook = makeHook(current as Formatter);
    } else {
      if (sourceMapsEnabled() || findNodeErrorSymbol() === null) return false;
      hook = makeHook(null);
      watchSourceMaps();
    }
    ErrorCtor.prepareStackTrace = hook;
    if (ErrorCtor.prepareStackTrace !== hook) return false;
    installed = hook;
    previous = { own, value: current };
    return true;
  } catch {
    return false;
  }
}

/** Removes the hook if Error.prepareStackTrace is still ours (a program's own formatter stays). */
export function uninstallStackHook(): void {
  try {
    if (installed !== null && ErrorCtor.prepareStackTrace === installed && previous !== null) {
      if (previous.own) ErrorCtor.prepareStackTrace = previous.value as Formatter;
      else delete (ErrorCtor as { prepareStackTrace?: unknown }).prepareStackTrace;
    }
  } catch {
    // Left as is.
  }
  installed = null;
  previous = null;
}

/**
 * The CallSites of `error`, at crash time. When its stack has not been formatted yet and the hook
 * is not (or no longer) in place, formats it now through a temporary hook around whatever
 * formatter is there, which yields the string the program would get later anyway. Undefined when
 * V8's frames cannot be had (already formatted by a formatter other than ours, or a stack
 * property the program replaced): the caller falls back to the text.
 */
export function callSitesOf(error: object): CallSite[] | undefined {
  try {
    let sites = ReflectApply(WeakMapPrototypeGet, sitesByError, [error]) as CallSite[] | undefined;
    if (sites !== undefined) return sites;
    const current: unknown = ErrorCtor.prepareStackTrace;
    if (installed !== null && current === installed) {
      void (error as { stack?: unknown }).stack;
    } else {
      let delegate: Formatter | null;
      if (typeof current === 'function') delegate = current as Formatter;
      else if (!sourceMapsEnabled() && findNodeErrorSymbol() !== null) delegate = null;
      else return undefined;
      const own = ObjectHasOwn(ErrorCtor, 'prepareStackTrace');
      ErrorCtor.prepareStackTrace = makeHook(delegate);
      try {
        void (error as { stack?: unknown }).stack;
      } finally {
        if (own) ErrorCtor.prepareStackTrace = current as Formatter;
        else delete (ErrorCtor as { prepareStackTrace?: unknown }).prepareStackTrace;
      }
    }
    sites = ReflectApply(WeakMapPrototypeGet, sitesByError, [error]) as CallSite[] | undefined;
    return sites;
  } catch {
    return undefined;
  }
}
