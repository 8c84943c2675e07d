/**
 * The program a crash belongs to: the package.json nearest to its entry script.
 *
 * The entry is resolved through symlinks first, so `node_modules/.bin/tool` (a link into
 * `node_modules/tool/bin/cli.js`) and a pnpm store path both lead to the tool's own package. From
 * the entry's directory the search goes up to the first package.json that identifies a package,
 * with two rules:
 *  - a stub package.json, which only sets module options (`{"type": "module"}` in `dist/esm/`,
 *    keys among STUB_KEYS), is skipped: the package it belongs to is higher up. When only stubs are
 *    found, the nearest stub is the root (without a name).
 *  - inside node_modules the search stops at the installed package's own directory
 *    (`node_modules/<name>` or `node_modules/@scope/<name>`): it never climbs into the project that
 *    installed it. Outside node_modules it never descends into one, so a package.json inside
 *    node_modules only counts when the entry itself is installed there.
 * package.json is read defensively: at most 1 MiB, invalid JSON gives a root without name and
 * version, and a name or version of an unexpected shape is null. Results are cached per directory
 * for the life of the process (a crash path reads the same few directories over and over).
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Program {
  /** The directory holding the package.json: paths in counter names are relative to it. */
  root: string;
  /** package.json `name`, when it is a plausible npm package name. */
  name: string | null;
  /** package.json `version`, when it is a plausible version string. */
  version: string | null;
}

const MAX_PACKAGE_JSON = 1024 * 1024;
const MAX_LEVELS = 128;
/** Keys a package.json may hold and still be a stub that only sets module options. */
const STUB_KEYS = new Set(['type', 'main', 'module', 'exports', 'imports', 'types', 'typings', 'sideEffects', 'browser']);
const NAME = /^(?:@[A-Za-z0-9~][\w.~-]*\/)?[A-Za-z0-9~][\w.~-]*$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;

interface PackageFile {
  name: string | null;
  version: string | null;
  stub: boolean;
}

const packages = new Map<string, PackageFile | null>();
const programs = new Map<string, Program | null>();

/** The program whose entry script is `entry` (a path or `file://` URL); null when none is found. */
export function findProgram(entry: string): Program | null {
  try {
    const dir = entryDirectory(entry);
    if (dir === null) return null;
    let found = programs.get(dir);
    if (found === undefined) {
      found = search(dir);
      programs.set(dir, found);
    }
    return found === null ? null : { ...found };
  } catch {
    return null;
  }
}

/** Forgets cached package.json reads (for tests, and for long-lived processes that want to). */
export function clearProgramCache(): void {
  packages.clear();
  programs.clear();
}

function entryDirectory(entry: string): string | null {
  if (typeof entry !== 'string' || entry === '' || entry.length > 4096 || entry.includes('\0')) return null;
  let path = entry;
  if (path.startsWith('file:')) path = fileURLToPath(path);
  else if (!isAbsolute(path)) {
    // `[eval]`, `[stdin]`, `<anonymous>`: no script file.
    if (path.startsWith('[') || path.startsWith('<') || path === '-') return null;
    path = resolve(path);
  }
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // Gone or unreadable: the directories it names can still be searched.
  }
  return dirname(real);
}

function search(start: string): Program | null {
  const boundary = installedPackageDir(start);
  let nearestStub: string | null = null;
  let dir = start;
  for (let level = 0; level < MAX_LEVELS; level++) {
    const pkg = readPackage(dir);
    if (pkg !== null) {
      if (!pkg.stub) return { root: dir, name: pkg.name, version: pkg.version };
      nearestStub ??= dir;
    }
    if (dir === boundary || basename(dir) === 'node_modules') break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return nearestStub === null ? null : { root: nearestStub, name: null, version: null };
}

/** `/p/node_modules/@s/x/lib` -> `/p/node_modules/@s/x`; null when not inside an installed package. */
function installedPackageDir(dir: string): string | null {
  const marker = `${sep}node_modules${sep}`;
  const withSep = dir.endsWith(sep) ? dir : dir + sep;
  const i = withSep.lastIndexOf(marker);
  if (i < 0) return null;
  const after = withSep.slice(i + marker.length).split(sep).filter((p) => p !== '');
  const take = after[0]?.startsWith('@') ? 2 : 1;
  if (after.length < take) return null;
  return withSep.slice(0, i + marker.length) + after.slice(0, take).join(sep);
}

function readPackage(dir: string): PackageFile | null {
  const cached = packages.get(dir);
  if (cached !== undefined) return cached;
  const pkg = readPackageFile(join(dir, 'package.json'));
  packages.set(dir, pkg);
  return pkg;
}

function readPackageFile(file: string): PackageFile | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  let text: string;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return null;
    if (stat.size > MAX_PACKAGE_JSON) return { name: null, version: null, stub: false };
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    text = buffer.toString('utf8', 0, read);
  } catch {
    return { name: null, version: null, stub: false };
  } finally {
    closeSync(fd);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch {
    return { name: null, version: null, stub: false };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { name: null, version: null, stub: false };
  const fields = json as Record<string, unknown>;
  const keys = Object.keys(fields);
  const name = ownString(fields, 'name');
  const version = ownString(fields, 'version');
  return {
    name: name !== null && name.length <= 214 && NAME.test(name) ? name : null,
    version: version !== null && VERSION.test(version) ? version : null,
    stub: keys.length > 0 && keys.every((k) => STUB_KEYS.has(k)),
  };
}

function ownString(o: Record<string, unknown>, key: string): string | null {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  return typeof v === 'string' ? v : null;
}
