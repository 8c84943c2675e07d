/**
 * The `<path>` of a counter line for frames of runtimes other than Node (Go, Python, Rust, Deno,
 * Bun), in the spirit of paths.ts: the result never holds an absolute path, a user name or a home
 * directory; it names the file by what identifies the code (a module, a package, a crate), never
 * by where it happens to be installed.
 *
 * Every runtime, first (after `\` separators become `/` and `a/./b/../c` is normalized):
 *   inside the program's root                 -> relative to it: `cmd/tool/main.go`
 * then, by runtime:
 *   go      module cache `.../pkg/mod/<module>@<version>/<path>` -> `<module>/<path>`, with Go's
 *           case encoding undone (`github.com/!alice-!corp/q@v1.2.3/q.go` ->
 *           `github.com/Alice-Corp/q/q.go`); under -trimpath `<module>@<version>/<path>` likewise;
 *           the standard library (`<GOROOT>/src/encoding/json/decode.go`, or `encoding/json/decode.go`
 *           under -trimpath, or the `golang.org/toolchain` module) -> `go:encoding/json`, the
 *           package, without a line (like `node:fs`); a GOPATH or vendor path
 *           (`.../src/github.com/x/y/z.go`, `.../vendor/github.com/x/y/z.go`) -> `github.com/x/y/z.go`;
 *           any other relative path (-trimpath's `<module>/<path>`) as it is.
 *   python  `.../site-packages/<pkg>/<path>` and `dist-packages` -> `<pkg>/<path>` (an `.egg`
 *           directory skipped); the standard library (`.../lib/python3.11/json/decoder.py`, Windows
 *           `...\Python311\Lib\json\decoder.py`) -> `python:json.decoder`, dotted, without a line;
 *           `<frozen importlib._bootstrap>` -> `python:importlib._bootstrap`; other `<...>` names
 *           (`<string>`, `<stdin>`) as they are; a relative path as it is.
 *   rust    the standard library (`/rustc/<commit>/library/...`, older `libstd/...`) -> null: such
 *           frames are dropped (the parser already drops them); other `/rustc/<commit>/<path>`
 *           (the compiler's own sources, in rustc's crashes) -> `<path>`; the cargo registry
 *           `.../registry/src/<index>/<crate>-<version>/<path>` -> `<crate>/<path>`, a git
 *           dependency `.../git/checkouts/<repo>-<hash>/<rev>/<path>` -> `<repo>/<path>`; a
 *           relative path (`src/main.rs`, `./src/main.rs`) as it is, without `./`.
 *   deno    remote modules `https://deno.land/x/mod@1.2.3/a.ts` -> `deno.land/x/mod/a.ts` (host and
 *           path, versions removed); Deno's npm cache `.../npm/registry.npmjs.org/<pkg>/<version>/...`
 *           -> `<pkg>/...`; otherwise as a Node path (paths.ts: `file://` URLs, node_modules).
 *   bun     as a Node path (paths.ts).
 * anything else, and any relative path that climbs out with `..`: its file name only.
 *
 * The normalizer must not print a line for the `go:` and `python:` prefixes, as for `node:`: their
 * line numbers change with every toolchain release.
 */
import { posix } from 'node:path';
import { isDroppedForeignFrame } from '../traceback/runtime-frames.js';
import { fileName, framePath } from './paths.js';

export { isDroppedForeignFrame } from '../traceback/runtime-frames.js';

/** Prefixes of paths that name a built-in module: the counter line then carries no line number. */
export const BUILTIN_PREFIXES = ['node:', 'go:', 'python:'] as const;

/**
 * The counter `<path>` for a frame of `runtime` whose file is `file`; null when the frame is
 * dropped. `root` is the program's root directory when known.
 */
export function foreignFramePath(runtime: string, file: string, root: string | null): string | null {
  try {
    if (typeof file !== 'string' || file === '') return '<unknown>';
    // A path that ends as a directory names no file: never its last directory (a user name).
    if (/(?:^|[\\/])\.{0,2}$/.test(toSlashes(file).replace(/[?#].*$/s, ''))) return '<unknown>';
    switch (runtime) {
      case 'go':
        return goPath(file, root);
      case 'python':
        return pythonPath(file, root);
      case 'rust':
        return rustPath(file, root);
      case 'deno':
        return denoPath(file, root);
      case 'bun':
      case 'node':
        return nodePath(file, root);
      default:
        return generic(toSlashes(file), root) ?? baseName(toSlashes(file));
    }
  } catch {
    return '<unknown>';
  }
}

// ---------------------------------------------------------------------------------------------
// Shared

/**
 * `\` separators to `/` (foreign runtimes print Windows paths: `C:\x\y.py`, `library\std\...`);
 * a `file://` URL to its path; any other URL to its path's last segment under a `/`.
 */
function toSlashes(raw: string): string {
  let path = raw.includes('\\') ? raw.replace(/\\/g, '/') : raw;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]{1,31}):\/\//.exec(path.slice(0, 40));
  if (scheme) {
    let rest = path.slice(scheme[0].length).replace(/[?#].*$/s, '');
    const slash = rest.indexOf('/');
    rest = slash < 0 ? '/' : rest.slice(slash);
    if (scheme[1]!.toLowerCase() !== 'file') return `/${rest.slice(rest.lastIndexOf('/') + 1)}`;
    try {
      rest = decodeURIComponent(rest);
    } catch {
      // keep it encoded
    }
    path = /^\/[A-Za-z]:\//.test(rest) ? rest.slice(1) : rest;
  }
  return path;
}

/** The file name only; `<unknown>` for a path that ends as a directory (`/home/u/`, `a/..`). */
function baseName(path: string): string {
  if (path.endsWith('/') || path.endsWith('/.') || path.endsWith('/..') || path === '.' || path === '..') return '<unknown>';
  return fileName(path);
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:\//.test(path);
}

/** Normalized absolute path; a drive keeps its letter. */
function normalizeAbsolute(path: string): string {
  if (/^[A-Za-z]:\//.test(path)) return path.slice(0, 2) + posix.normalize(path.slice(2));
  return posix.normalize(path.startsWith('//') ? path.slice(1) : path);
}

function normalizeRoot(root: string | null): string | null {
  if (typeof root !== 'string' || root === '') return null;
  const r = toSlashes(root);
  if (!isAbsolute(r)) return null;
  let abs = normalizeAbsolute(r);
  while (abs.endsWith('/')) abs = abs.slice(0, -1);
  if (abs === '' || /^[A-Za-z]:$/.test(abs)) return null;
  return abs;
}

/** Inside the root: the relative path. Null otherwise. */
function underRoot(abs: string, root: string | null): string | null {
  const base = normalizeRoot(root);
  if (base === null) return null;
  const a = /^[A-Za-z]:\//.test(abs) === /^[A-Za-z]:\//.test(base) && /^[A-Za-z]:/.test(abs) ? abs[0]!.toLowerCase() + abs.slice(1) : abs;
  const b = /^[A-Za-z]:/.test(base) ? base[0]!.toLowerCase() + base.slice(1) : base;
  if (a.startsWith(b + '/') && a.length > b.length + 1) return abs.slice(base.length + 1);
  return null;
}

/**
 * A relative path kept as it is (without `./`), or null when it climbs out (`..`) or is not
 * relative at all.
 */
function keptRelative(path: string): string | null {
  if (isAbsolute(path)) return null;
  const rel = posix.normalize(path);
  if (rel === '.' || rel === '..' || rel.startsWith('../') || rel.startsWith('/')) return null;
  return rel;
}

/** Root-relative, else a kept relative path, else null. */
function generic(path: string, root: string | null): string | null {
  if (isAbsolute(path)) return underRoot(normalizeAbsolute(path), root);
  return keptRelative(path);
}

/** The segments after the last `/<marker>/` in path, or null. */
function after(path: string, marker: string): string[] | null {
  const m = `/${marker}/`;
  const p = path.startsWith(marker + '/') ? '/' + path : path;
  const i = p.lastIndexOf(m);
  if (i < 0) return null;
  const rest = p.slice(i + m.length).split('/').filter((s) => s !== '' && s !== '.');
  return rest.length > 0 ? rest : null;
}

/** paths.ts's rule, except that a path ending as a directory never yields its last directory. */
function nodePath(file: string, root: string | null): string | null {
  const path = file.replace(/[?#].*$/s, '');
  if (path.endsWith('/') || path.endsWith('\\') || /\/\.{1,2}$/.test(path)) return '<unknown>';
  return framePath(file, root);
}

// ---------------------------------------------------------------------------------------------
// Go

/** The standard library's top-level directories (GOROOT/src/<these>). */
const GO_STD = new Set([
  'archive', 'bufio', 'builtin', 'bytes', 'cmp', 'compress', 'container', 'context', 'crypto', 'database', 'debug', 'embed',
  'encoding', 'errors', 'expvar', 'flag', 'fmt', 'go', 'hash', 'html', 'image', 'index', 'internal', 'io', 'iter', 'log',
  'maps', 'math', 'mime', 'net', 'os', 'path', 'plugin', 'reflect', 'regexp', 'runtime', 'slices', 'sort', 'strconv',
  'strings', 'structs', 'sync', 'syscall', 'testing', 'text', 'time', 'unicode', 'unique', 'unsafe', 'weak', 'cmd', 'vendor',
]);

/**
 * A frame's file with slashes, normalized: the path relative to `root` when it lies inside it
 * (a string, final), else `{ path, abs }` for the runtime's own rules (abs null when relative).
 */
function locate(raw: string, root: string | null): string | { path: string; abs: string | null } {
  const file = toSlashes(raw);
  const abs = isAbsolute(file) ? normalizeAbsolute(file) : null;
  if (abs !== null) {
    const inRoot = underRoot(abs, root);
    if (inRoot !== null) return inRoot;
  }
  return { path: abs ?? posix.normalize(file), abs };
}

function goPath(raw: string, root: string | null): string | null {
  const located = locate(raw, root);
  if (typeof located === 'string') return located;
  const { path, abs } = located;
  // The module cache: `.../pkg/mod/<escaped module>@<version>/<path>`.
  const mod = after(path, 'pkg/mod');
  if (mod !== null) return goModulePath(mod, true);
  if (abs === null) {
    if (path.startsWith('../') || path === '..') return baseName(path);
    const segments = path.split('/').filter((s) => s !== '' && s !== '.');
    // -trimpath: `<module>@<version>/<path>` (a dependency), `runtime/panic.go` (GOROOT),
    // `<module>/<path>` (the main module), or gopls's redacted bare file name.
    if (segments.some((s) => s.includes('@'))) return goModulePath(segments, false);
    if (segments.length > 1 && GO_STD.has(segments[0]!) && !segments[0]!.includes('.')) return goStd(segments);
    return segments.join('/') || '<unknown>';
  }
  // GOPATH and vendor directories: `.../src/<import path>/<file>`, `.../vendor/<import path>/<file>`.
  const vendored = after(path, 'vendor');
  if (vendored !== null && vendored.length > 1 && vendored[0]!.includes('.')) return vendored.join('/');
  const src = after(path, 'src');
  if (src !== null && src.length > 1) {
    if (GO_STD.has(src[0]!)) return goStd(src);
    if (src[0]!.includes('.')) return src.join('/');
  }
  return baseName(path);
}

/** Module-cache segments `<escaped module path...>@<version>/<path...>` -> `<module>/<path>`. */
function goModulePath(segments: string[], escaped: boolean): string {
  const at = segments.findIndex((s) => s.includes('@'));
  if (at < 0) return segments.join('/');
  const head = segments.slice(0, at + 1);
  head[at] = head[at]!.slice(0, head[at]!.indexOf('@'));
  const module = head.map((s) => (escaped ? unescapeGo(s) : s)).join('/');
  const rest = segments.slice(at + 1);
  // No module before the `@` (Go never prints one; a crafted `@v1/home/u/x.go` would otherwise
  // become `/home/u/x.go`): nothing names a package, so only the file name is kept.
  if (module === '') return baseName(rest.join('/') || segments.join('/'));
  // The toolchain module holds a whole GOROOT: `golang.org/toolchain@v0.0.1-go1.23.0.linux-amd64/src/...`.
  if (module === 'golang.org/toolchain' && rest[0] === 'src' && rest.length > 2) return goStd(rest.slice(1));
  return [module, ...rest].join('/');
}

/** Go's module cache case encoding: `!a` stands for `A`. */
function unescapeGo(s: string): string {
  return s.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `encoding/json/decode.go` -> `go:encoding/json`. */
function goStd(segments: string[]): string {
  const dir = segments.slice(0, -1);
  return dir.length > 0 ? `go:${dir.join('/')}` : `go:${segments.join('/')}`;
}

// ---------------------------------------------------------------------------------------------
// Python

function pythonPath(raw: string, root: string | null): string | null {
  if (raw.startsWith('<') && raw.endsWith('>')) {
    // `<frozen importlib._bootstrap>` (3.11+ also `<frozen runpy>`): a standard-library module.
    const frozen = /^<frozen ([A-Za-z_][\w.]{0,200})>$/.exec(raw);
    if (frozen) return `python:${frozen[1]}`;
    return baseName(raw);
  }
  const located = locate(raw, root);
  if (typeof located === 'string') return located;
  const { path, abs } = located;
  for (const marker of ['site-packages', 'dist-packages']) {
    const rest = after(path, marker);
    if (rest !== null) {
      if (rest.length > 1 && /\.egg$/i.test(rest[0]!)) rest.shift();
      return rest.join('/');
    }
  }
  const std = pythonStdModule(path);
  if (std !== null) return `python:${std}`;
  if (abs === null) return keptRelative(path) ?? baseName(path);
  return baseName(path);
}

/** `/usr/lib/python3.11/json/decoder.py` -> `json.decoder`; null when not the standard library. */
function pythonStdModule(path: string): string | null {
  const unix = /(?:^|\/)lib\/python\d(?:\.\d{1,3})?t?\/(.+)\.py$/.exec(path);
  const windows = unix ? null : /(?:^|\/)python\d{0,4}(?:-\d{2})?\/lib\/(.+)\.py$/i.exec(path);
  const rel = unix?.[1] ?? windows?.[1];
  if (rel === undefined) return null;
  const parts = rel.split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  if (parts.length === 0 || !parts.every((p) => /^[A-Za-z_][\w]*$/.test(p))) return null;
  return parts.join('.');
}

// ---------------------------------------------------------------------------------------------
// Rust

function rustPath(raw: string, root: string | null): string | null {
  const file = toSlashes(raw);
  if (isDroppedForeignFrame('rust', { file, function: null })) return null;
  const abs = isAbsolute(file) ? normalizeAbsolute(file) : null;
  if (abs !== null) {
    if (abs.startsWith('/rustc/')) {
      // The compiler's own sources (a rustc crash): `/rustc/<commit>/compiler/...`.
      const rest = abs.slice(7).split('/').slice(1).join('/');
      return rest === '' ? '<unknown>' : rest;
    }
    const inRoot = underRoot(abs, root);
    if (inRoot !== null) return inRoot;
  }
  const path = abs ?? posix.normalize(file);
  const registry = after(path, 'registry/src');
  if (registry !== null && registry.length > 2) return crateRelative(registry.slice(1));
  const debian = after(path, 'cargo_registry') ?? after(path, 'share/cargo/registry');
  if (debian !== null && debian.length > 1) return crateRelative(debian);
  const git = after(path, 'git/checkouts');
  if (git !== null && git.length > 2) {
    const repo = git[0]!.replace(/-[0-9a-f]{6,20}$/, '');
    return [repo, ...git.slice(2)].join('/');
  }
  if (abs === null) return keptRelative(path) ?? baseName(path);
  return baseName(path);
}

/** `<crate>-<version>/<path...>` -> `<crate>/<path>`. */
function crateRelative(segments: string[]): string {
  const dir = segments[0]!;
  const m = /^(.+?)-(\d+\.\d+\.\d+.*)$/.exec(dir);
  const crate = m ? m[1]! : dir;
  return [crate, ...segments.slice(1)].join('/');
}

// ---------------------------------------------------------------------------------------------
// Deno

function denoPath(raw: string, root: string | null): string | null {
  if (isDroppedForeignFrame('deno', { file: raw, function: null })) return null;
  const remote = /^https?:\/\/([^/?#]{1,253})(\/[^?#]*)?/.exec(raw);
  if (remote) {
    const host = remote[1]!.replace(/^[^@]*@/, '').toLowerCase();
    const segments = (remote[2] ?? '/').split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
    const clean = segments.map((s) => (/^[^@]+@[\w.+-]+$/.test(s) ? s.slice(0, s.lastIndexOf('@')) : s.startsWith('@') ? s : s));
    return [host, ...clean].join('/');
  }
  const file = toSlashes(raw);
  const npm = after(file, 'npm/registry.npmjs.org');
  if (npm !== null) {
    const scoped = npm[0]!.startsWith('@');
    const name = scoped ? npm.slice(0, 2) : npm.slice(0, 1);
    const rest = npm.slice(name.length + 1);
    if (rest.length > 0) return [...name, ...rest].join('/');
  }
  return nodePath(raw, root);
}
