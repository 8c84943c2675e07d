/**
 * Names: recovering a function's original name in minified code.
 *
 * V8 names a frame's function after the identifier that binds it in the code it ran (`a` in
 * `function a(e){`, `s` in `var s=e=>{`). A minifier records the original identifier in the
 * map's `names`, on the segment that starts at that identifier. The segment at the function's
 * start position (V8's enclosing position) is the wrong place to look: for a declaration it is
 * the `function` keyword (no name), for an arrow it is the first parameter (whose original name
 * would then replace the function's: measured on an esbuild-minified bundle, see
 * docs/source-maps.md). So this module finds, in the generated line's text, where the identifier
 * V8 reported sits relative to the function's start, and the symbolizer takes the name recorded
 * at exactly that column:
 *   - `function NAME(`, `async function NAME(`, `function* NAME(` starting at the enclosing position;
 *   - `class NAME` starting there (a class's implicit constructor);
 *   - `NAME(` starting there (a method; rarely renamed, but private and mangled ones are);
 *   - `NAME =` / `NAME:` (optionally `async`) just before it (arrows and function expressions
 *     bound to a variable, a property or a default parameter);
 *   - for a `constructor(` start, the nearest `NAME=class` or `class NAME` before it.
 *
 * Invariants: the name is replaced only when the identifier is found with V8's exact spelling at
 * one of these places AND the map records a name at exactly that generated column; otherwise
 * V8's name stands. Pure string work over one generated line; never throws.
 */

/** Only plain identifiers are looked up (not `get x`, `Foo.bar`, `<anonymous>`). */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** How far before the function's start a binding (`NAME=`) is looked for. */
const BEFORE_WINDOW = 256;
/** How far before a `constructor(` its class's binding is looked for. */
const CLASS_WINDOW = 4096;
/** The text around a function's start that nameColumns can look at: this much before... */
export const TEXT_BEFORE = Math.max(BEFORE_WINDOW, CLASS_WINDOW);
/** ...and this much from it (`async function* ` plus a long identifier). */
export const TEXT_AFTER = 512;

function escape(name: string): string {
  return name.replace(/\$/g, '\\$');
}

/**
 * The 1-based generated columns, most specific first, where the identifier `v8Name` binding the
 * function that starts at `column` (1-based, V8's enclosing column) sits in `line`.
 */
export function nameColumns(line: string, column: number, v8Name: string): number[] {
  if (!IDENTIFIER.test(v8Name) || !(column >= 1) || column > line.length + 1) return [];
  const at = column - 1;
  const name = escape(v8Name);
  const after = line.slice(at, at + Math.min(v8Name.length + 48, TEXT_AFTER));
  const found: number[] = [];

  const declaration = new RegExp(`^(?:async\\s*)?function\\s*\\*?\\s*(${name})(?![\\w$])`).exec(after);
  if (declaration !== null) found.push(at + declaration[0].length - v8Name.length + 1);
  const klass = new RegExp(`^class\\s+(${name})(?![\\w$])`).exec(after);
  if (klass !== null) found.push(at + klass[0].length - v8Name.length + 1);
  if (new RegExp(`^${name}\\s*\\(`).test(after)) found.push(at + 1);

  const beforeStart = Math.max(0, at - BEFORE_WINDOW);
  const before = line.slice(beforeStart, at);
  // `NAME=` or `NAME:` right before the start; the start itself follows, so `NAME==`, `NAME=>`
  // and the like cannot match.
  const binding = new RegExp(`(?<![\\w$.])(${name})\\s*[=:]\\s*(?:async\\s*)?$`).exec(before);
  if (binding !== null) found.push(beforeStart + binding.index + 1);

  if (/^constructor\s*\(/.test(after)) {
    const classStart = Math.max(0, at - CLASS_WINDOW);
    const text = line.slice(classStart, at);
    const pattern = new RegExp(`(?<![\\w$.])(${name})\\s*=\\s*class(?![\\w$])|class\\s+(${name})(?![\\w$])`, 'g');
    let last: number | null = null;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      last = m[1] !== undefined ? classStart + m.index + 1 : classStart + m.index + m[0].length - v8Name.length + 1;
    }
    if (last !== null) found.push(last);
  }
  return found;
}

/**
 * The original name of the function V8 called `v8Name`, whose code starts at `column` of the
 * generated `line`, when the map records one that differs; null to keep V8's name.
 * `nameAt(column)` is the map's name for a segment starting exactly at that 1-based column.
 */
export function recoverName(line: string, column: number, v8Name: string, nameAt: (column: number) => string | null): string | null {
  try {
    for (const candidate of nameColumns(line, column, v8Name)) {
      const name = nameAt(candidate);
      if (name !== null) return name === v8Name ? null : name;
    }
  } catch {
    // a name is a nicety: keep V8's
  }
  return null;
}
