/**
 * A frame's file -> the `<path>` of its counter line, or null when the frame is dropped.
 *
 * The result never holds an absolute path or a directory outside the program: it is relative to
 * the program's root, or package-relative, or a bare file name. In order:
 *   `node:internal/...`, bare `internal/...`  -> null: dropped (lines change every Node release)
 *   `node:fs`, `node:fs/promises`             -> as is (the counter line then has no line number)
 *   `file://` URL                             -> its path, then the rules below
 *   `webpack://ns/./src/x.ts`                 -> `./src/x.ts` taken relative to the root
 *   `data:` / `blob:` URLs                    -> `<data>` / `<blob>`; other URLs -> file name only
 *   Windows paths                             -> `/` separators, then the rules below
 * then, after normalizing (`a/../b`, so `root/../../etc/x` cannot pass for a file in root):
 *   inside the root                           -> relative to it: `src/cli.js`
 *   inside node_modules                       -> `<package>/<path in it>` by the LAST
 *       `node_modules/` segment, so nested (`a/node_modules/b/...`), pnpm
 *       (`.pnpm/b@1.0.0/node_modules/b/...`) and Yarn (`b-npm-1.0.0.zip/node_modules/b/...`)
 *       layouts give the same `b/lib/x.js`; scoped packages keep their scope: `@s/p/lib/x.js`
 *   anything else (outside the root, `[eval]`, `<anonymous>`, no root) -> its file name only
 * A file inside the root is relative to the root even when the root itself is an installed
 * package, so a tool run from its checkout and from node_modules gives the same paths; its own
 * dependencies (below root/node_modules or hoisted beside it) are package-relative either way.
 */
import { posix } from 'node:path';

/** The counter `<path>` for `file`; null when the frame is dropped (Node internals). */
export function framePath(file: string, root: string | null): string | null {
  if (typeof file !== 'string' || file === '') return '<unknown>';
  if (file.startsWith('node:')) {
    const rest = file.slice(5);
    if (rest === 'internal' || rest.startsWith('internal/')) return null;
    return file;
  }
  if (file.startsWith('internal/')) return null;

  let path = file;
  const scheme = urlScheme(file);
  if (scheme !== null) {
    if (scheme === 'file') path = fileUrlPath(file);
    else if (scheme === 'webpack' || scheme === 'webpack-internal') {
      const relative = webpackPath(file);
      if (relative === null) return fileName(file);
      path = relative;
    } else if (scheme === 'data' || scheme === 'blob') return `<${scheme}>`;
    else return fileName(file);
  }
  path = toSlashes(path);
  if (path === '') return '<unknown>';
  const base = normalizeRoot(root);
  if (!path.startsWith('/') && !isDrive(path)) {
    // Relative: `./src/x.ts` from a bundler's source map, or a pseudo name such as `[eval]`.
    if (!path.includes('/')) return fileName(path);
    const rel = posix.normalize(path);
    if (rel === '..' || rel.startsWith('../') || rel.startsWith('/')) return fileName(rel);
    return packagePath(rel) ?? rel;
  }
  const abs = normalizeAbsolute(path);
  if (base !== null && abs.startsWith(base + '/') && abs.length > base.length + 1) {
    const rel = abs.slice(base.length + 1);
    return packagePath(rel) ?? rel;
  }
  return packagePath(abs) ?? fileName(abs);
}

/**
 * The last path segment only, for frames whose directory must not show (eval code, files outside
 * the program). URL queries and fragments are left out.
 */
export function fileName(file: string): string {
  let s = toSlashes(file);
  const scheme = urlScheme(s);
  if (scheme === 'data' || scheme === 'blob') return `<${scheme}>`;
  // A URL's host is never a file name: only its path counts.
  if (scheme !== null) s = urlPath(s);
  while (s.endsWith('/')) s = s.slice(0, -1);
  const name = s.slice(s.lastIndexOf('/') + 1);
  return name === '' || name === '.' || name === '..' ? '<unknown>' : name;
}

/** A URL without scheme, authority, query and fragment: `https://h/a/b.js?x` -> `/a/b.js`. */
function urlPath(url: string): string {
  let rest = url.slice(url.indexOf(':') + 1).replace(/[?#].*$/s, '');
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  return rest;
}

/** `<package>/<path in it>` after the last `node_modules/` segment; null when there is none. */
function packagePath(path: string): string | null {
  let i = path.lastIndexOf('node_modules/');
  while (i > 0 && path[i - 1] !== '/') i = path.lastIndexOf('node_modules/', i - 1);
  if (i < 0) return null;
  const parts = path.slice(i + 'node_modules/'.length).split('/').filter((p) => p !== '');
  const scoped = parts[0]?.startsWith('@') === true;
  const take = scoped ? 2 : 1;
  if (parts.length < take) return null;
  return parts.join('/');
}

function urlScheme(s: string): string | null {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]{1,31}):/.exec(s.slice(0, 40));
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  // `C:\x` and `C:/x` are Windows drives, not URLs (a scheme has two characters at least).
  return scheme;
}

/** `file:///home/a/x.js` -> `/home/a/x.js`; `file:///C:/x.js` -> `C:/x.js`; host kept out. */
function fileUrlPath(url: string): string {
  const rest = urlPath(url);
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    path = rest;
  }
  if (/^\/[A-Za-z]:[\\/]/.test(path)) path = path.slice(1);
  return path;
}

/**
 * `webpack://<namespace>/<resource path>`: resource paths relative to the bundler's context start
 * with `./` or `../` and are taken relative to the root; anything else after the namespace is an
 * absolute path (or a module id such as `external "fs"`): null, for the file name only.
 */
function webpackPath(url: string): string | null {
  let rest = url.slice(url.indexOf(':') + 1);
  if (rest.startsWith('//')) rest = rest.slice(2);
  else return null;
  const slash = rest.indexOf('/');
  if (slash < 0) return null;
  const resource = rest.slice(slash + 1).replace(/[?#].*$/s, '');
  return resource.startsWith('./') || resource.startsWith('../') ? resource : null;
}

function isDrive(path: string): boolean {
  return /^[A-Za-z]:\//.test(path);
}

/** Windows separators to `/` for Windows-looking paths (`C:\`, `\\server\share`). */
function toSlashes(path: string): string {
  if (/^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\')) return path.replace(/\\/g, '/');
  return path;
}

/** `/a/./b/../c` -> `/a/c`; a drive keeps its letter: `C:/a/../b` -> `C:/b`. Never above the top. */
function normalizeAbsolute(path: string): string {
  if (isDrive(path)) return path.slice(0, 2) + posix.normalize(path.slice(2));
  return posix.normalize(path.startsWith('//') ? path.slice(1) : path);
}

/**
 * The root as a normalized absolute path without a trailing `/`; null when there is none or when
 * it is a file-system root (everything would be "inside" it, absolute paths included).
 */
function normalizeRoot(root: string | null): string | null {
  if (typeof root !== 'string' || root === '') return null;
  const slashed = toSlashes(root);
  if (!slashed.startsWith('/') && !isDrive(slashed)) return null;
  let abs = normalizeAbsolute(slashed);
  while (abs.endsWith('/')) abs = abs.slice(0, -1);
  if (abs === '' || /^[A-Za-z]:$/.test(abs)) return null;
  return abs;
}
