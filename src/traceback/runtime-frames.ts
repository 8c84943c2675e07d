/**
 * Frames of a runtime's own machinery, dropped from the crash the way `node:internal/*` frames are:
 * their names and lines change with every toolchain release and say nothing about the program.
 * The text parsers (go.ts, rust.ts, deno-bun.ts) drop them before returning, so the normalizer
 * never sees them; src/stack/foreign-paths.ts re-exports the rule for frames that arrive by other
 * routes.
 *
 * Dropped, by runtime:
 *   go    functions of the runtime itself: `runtime.*`, `runtime/debug.*` (a program that prints
 *         its own stack from a recover handler shows `runtime/debug.Stack` on top),
 *         `runtime/internal/*`, `internal/runtime/*`, and the `panic(...)` frame Go prints for
 *         `runtime.gopanic`. Other standard-library frames (`sync.(*Once).Do`, `encoding/json.*`)
 *         stay: the program called them, as a Node program calls `node:fs`.
 *   rust  the standard library and the start-up and unwinding glue: symbols of the crates `std`,
 *         `core`, `alloc`, `__rustc`, `panic_unwind`, `panic_abort` (also as the self type of a
 *         `<X as Trait>::method` name), `rust_begin_unwind`, `rust_panic`, `main` (the C entry
 *         point rustc generates; the program's own is `crate::main`), `_start`, `start_thread`,
 *         `clone`, `abort`, `raise`, any bare `__name` (`__libc_start_main`, `__rust_try`),
 *         `<unknown>`; and frames whose file is the standard library's source
 *         (`/rustc/<commit>/library/...`, or the relative `library/std/...`, `src/libcore/...`
 *         of older toolchains).
 *   deno  `ext:` and `deno:` frames (Deno's built-in modules).
 *   bun   frames whose "file" is a bare number (`loadAndEvaluateModule (2:1)`: Bun's built-ins).
 *   node  `node:internal/*` (as src/stack/paths.ts).
 *   python nothing: standard-library frames keep their module name without a line instead.
 */
import type { Frame } from './frame.js';

/** True when `frame` belongs to the runtime of `runtime` itself and is left out of the crash. */
export function isDroppedForeignFrame(runtime: string, frame: Pick<Frame, 'file' | 'function'>): boolean {
  if (typeof frame !== 'object' || frame === null) return false;
  const fn = typeof frame.function === 'string' ? frame.function : null;
  const file = typeof frame.file === 'string' ? frame.file : null;
  switch (runtime) {
    case 'go':
      return fn !== null && isGoRuntimeFunction(fn);
    case 'rust':
      return (fn !== null && isRustRuntimeSymbol(fn)) || (file !== null && isRustStdFile(file));
    case 'deno':
      return file !== null && (file.startsWith('ext:') || file.startsWith('deno:'));
    case 'bun':
      return file !== null && /^\d{1,9}$/.test(file);
    case 'node':
      return file !== null && (file.startsWith('node:internal/') || file === 'node:internal');
    default:
      return false;
  }
}

/** `runtime.gopanic`, `runtime/debug.Stack`, `panic`, ... */
export function isGoRuntimeFunction(fn: string): boolean {
  return (
    fn === 'panic' ||
    fn.startsWith('runtime.') ||
    fn.startsWith('runtime/debug.') ||
    fn.startsWith('runtime/internal/') ||
    fn.startsWith('internal/runtime/')
  );
}

const RUST_STD_CRATES = new Set(['std', 'core', 'alloc', '__rustc', 'panic_unwind', 'panic_abort']);
const RUST_GLUE = new Set(['main', '_start', 'rust_begin_unwind', 'rust_panic', 'start_thread', 'clone', 'clone3', 'abort', 'raise', '<unknown>']);

/** A Rust symbol (hash suffixes and crate disambiguators already removed) of the runtime itself. */
export function isRustRuntimeSymbol(symbol: string): boolean {
  const s = symbol.trim();
  if (s === '' || RUST_GLUE.has(s)) return true;
  if (!s.includes('::')) return s.startsWith('__');
  // Old toolchains print the backtrace machinery itself (`backtrace::backtrace::libunwind::trace`).
  if (s.startsWith('backtrace::backtrace::')) return true;
  return RUST_STD_CRATES.has(leadingCrate(s));
}

/** The first path segment of a symbol, past `<`, `&`, `&mut `, `dyn `, `*const `, `*mut `. */
function leadingCrate(symbol: string): string {
  let i = 0;
  const n = Math.min(symbol.length, 512);
  for (;;) {
    while (i < n && (symbol[i] === '<' || symbol[i] === '&' || symbol[i] === '(' || symbol[i] === '[' || symbol[i] === ' ')) i++;
    const rest = symbol.slice(i, i + 8);
    const skip = ['mut ', 'dyn ', '*const ', '*mut '].find((p) => rest.startsWith(p));
    if (skip === undefined) break;
    i += skip.length;
  }
  let j = i;
  while (j < n && /[\w$]/.test(symbol[j]!)) j++;
  return symbol.slice(i, j);
}

/** The standard library's own source files, in every layout rustc has printed them. */
export function isRustStdFile(file: string): boolean {
  const f = file.replace(/\\/g, '/');
  if (f.startsWith('/rustc/')) {
    const rest = f.slice(7);
    const slash = rest.indexOf('/');
    const after = slash < 0 ? '' : rest.slice(slash + 1);
    return /^(?:library\/|src\/lib(?:std|core|alloc|panic_unwind|panic_abort|test|proc_macro)\/)/.test(after);
  }
  const rel = f.startsWith('./') ? f.slice(2) : f;
  return /^(?:library\/(?:std|core|alloc|panic_unwind|panic_abort|proc_macro|test|backtrace)\/|(?:src\/)?lib(?:std|core|alloc|panic_unwind|panic_abort)\/)/.test(rel);
}
