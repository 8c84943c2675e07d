/**
 * Frames -> the stack counter name (docs/counter-names.md), Go's crash/crash format:
 *
 *   crash/crash
 *   src/parser.js:parseExpr:+2          <path>:<function>:+<line - first line of the function>
 *   yargs/build/lib/command.js:run:31   <path>:<function>:<line>  (function start unknown: text)
 *   node:fs:readFileSync                Node's public built-ins: no line
 *   <builtin>:map                       V8 built-ins without a script (Array.map, Promise.all)
 *   src/cli.js:<module>:+7              module top-level code
 *
 * Innermost frame first, at most MAX_FRAMES lines after dropped frames (node:internal) are left
 * out. Paths follow paths.ts. The function is the frame's own name, `<anonymous>` without one,
 * `<module>` for top-level code. Every component is cleaned (control characters, line and
 * paragraph separators and unpaired surrogates become `?`, so no component can start a line of
 * its own) and capped at MAX_COMPONENT characters. A name over MAX_NAME_BYTES bytes of UTF-8 is
 * cut after a whole line and ends with a `truncated` line, the whole within MAX_NAME_BYTES.
 *
 * The name holds no message, argument or absolute path: only what the frames' file, function and
 * line give, reduced as above.
 */
import type { Frame } from '../traceback/frame.js';
import { BUILTIN_PREFIXES, foreignFramePath } from './foreign-paths.js';
import { fileName, framePath } from './paths.js';

export const STACK_PREFIX = 'crash/crash';
export const UNPARSED_NAME = 'crash/unparsed';
export const MAX_FRAMES = 16;
export const MAX_COMPONENT = 256;
export const MAX_NAME_BYTES = 4096;
export const TRUNCATED = 'truncated';

/**
 * One frame's line, or null when the frame is dropped (Node internals). `runtime` picks the path
 * rules: Node's (paths.ts) for `node`, the other runtimes' (foreign-paths.ts) otherwise.
 */
export function frameLine(frame: Frame, root: string | null, runtime = 'node'): string | null {
  const path = linePath(frame, root, runtime);
  if (path === null) return null;
  const fn = frame.toplevel ? '<module>' : frame.function ? clean(frame.function) : '<anonymous>';
  const head = `${path}:${fn}`;
  // Built-ins (node:fs, go:net/http, python:json.decoder) change lines with every release.
  if (BUILTIN_PREFIXES.some((prefix) => path.startsWith(prefix)) || path === '<builtin>') return head;
  const line = lineNumber(frame.line);
  if (line === null) return head;
  const start = lineNumber(frame.enclosingLine);
  return start !== null && start <= line ? `${head}:+${line - start}` : `${head}:${line}`;
}

/** `crash/crash` and one line per frame; just `crash/crash` when no frame is left. */
export function stackCounterName(frames: readonly Frame[], root: string | null, runtime = 'node'): string {
  const lines = [STACK_PREFIX];
  for (const frame of frames) {
    if (lines.length > MAX_FRAMES) break;
    if (typeof frame !== 'object' || frame === null) continue;
    const line = frameLine(frame, root, runtime);
    if (line !== null) lines.push(line);
  }
  return fitName(lines);
}

/** The counter for a crash with no usable frame: `crash/no-stack:<kind>`, kind letters only. */
export function noStackName(kind: string): string {
  const letters = typeof kind === 'string' ? kind.slice(0, 256).replace(/[^a-zA-Z]/g, '').slice(0, 64) : '';
  return `crash/no-stack:${letters === '' ? 'unknown' : letters}`;
}

function linePath(frame: Frame, root: string | null, runtime: string): string | null {
  const file = typeof frame.file === 'string' && frame.file !== '' ? frame.file : null;
  if (frame.eval) {
    // eval'd code has no file of its own: at most the name it was given (//# sourceURL).
    return file === null || file === '<anonymous>' ? '<eval>' : clean(fileName(file));
  }
  if (file === null) return '<builtin>';
  const path = runtime === 'node' ? framePath(file, root) : foreignFramePath(runtime, file, root);
  return path === null ? null : clean(path);
}

function lineNumber(n: number | null): number | null {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

// C0 controls, DEL, C1 controls, LINE SEPARATOR, PARAGRAPH SEPARATOR, unpaired surrogates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A component made safe for one line of a name, at most MAX_COMPONENT characters. */
export function clean(s: string): string {
  let out = s.length > MAX_COMPONENT * 2 ? s.slice(0, MAX_COMPONENT * 2) : s;
  out = out.replace(UNSAFE, '?');
  if (out.length > MAX_COMPONENT) {
    let end = MAX_COMPONENT;
    const c = out.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
    out = out.slice(0, end);
  }
  return out === '' ? '?' : out;
}

/** Joins lines; past MAX_NAME_BYTES, keeps whole lines and ends with `truncated`. */
function fitName(lines: string[]): string {
  const whole = lines.join('\n');
  if (Buffer.byteLength(whole, 'utf8') <= MAX_NAME_BYTES) return whole;
  const budget = MAX_NAME_BYTES - Buffer.byteLength(`\n${TRUNCATED}`, 'utf8');
  let size = 0;
  const kept: string[] = [];
  for (const line of lines) {
    const add = Buffer.byteLength(line, 'utf8') + (kept.length > 0 ? 1 : 0);
    if (size + add > budget) break;
    kept.push(line);
    size += add;
  }
  kept.push(TRUNCATED);
  return kept.join('\n');
}
