/**
 * Loads one of our CommonJS bundles with V8's code cache, so that a command does not parse and
 * compile the same 85 KB of JavaScript on every run: parsing was about a third of what
 * `watchdog stacks` spent beyond Node's own start (BENCHMARKS.md, row 5).
 *
 * Node 20 has no module compile cache (22.1 added one), so this does what Node does for a
 * CommonJS file, through vm.Script and its cachedData:
 * - The cache lives in $XDG_CACHE_HOME/watchdog (~/.cache/watchdog), a 0700 directory, one file
 *   per bundle build and Node version: its name holds the bundle's size, mtime and inode, so a
 *   rebuilt or reinstalled bundle never meets the code of another (V8 itself checks only the
 *   source length, the V8 version and its flags).
 * - A missing, damaged or rejected cache costs one ordinary compile; the cache is then written when the
 *   process exits, holding every function the command compiled, and replaces older ones of that
 *   bundle. It holds our code only, nothing of the user's.
 * - Release builds of V8 do not checksum a code cache unless told to: a damaged one that keeps a
 *   valid header crashes the process (SIGTRAP). The `watchdog` launcher line (scripts/build.mjs)
 *   starts the inspection commands with --verify-snapshot-checksum, which makes V8 checksum the
 *   caches it writes and reject one whose checksum fails (measured: no cost at start-up). The
 *   cache is used only when that flag is on; `node dist/cli.cjs stacks` compiles as usual. (A
 *   checksum of our own cost more than the cache saves: 1-2 ms in JavaScript, 3 ms to load
 *   node:zlib or node:v8.)
 * - Anything that goes wrong falls back to require(): a cache is never a reason to fail.
 */
import { fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The V8 flag that makes a damaged cache rejected rather than fatal; the launcher passes it. */
export const VERIFY_FLAG = '--verify-snapshot-checksum';

/** The cache directory, or null where there is no home to put it in (or on Windows). */
export function cacheDir(env: NodeJS.ProcessEnv): string | null {
  if (process.platform === 'win32') return null;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && xdg.startsWith('/')) return join(xdg, 'watchdog');
  const home = env.HOME;
  return home && home.startsWith('/') ? join(home, '.cache', 'watchdog') : null;
}

type Wrapper = (exports: unknown, require: NodeRequire, module: { exports: unknown }, filename: string, dirname: string) => void;

/**
 * Compiles the bundle with the cache in `cacheFile`. When that was missing or rejected, the cache
 * is written at exit, by when it holds every function the command compiled.
 */
function compile(file: string, source: string, cacheFile: string, prefix: string): Wrapper {
  const vm = require('node:vm') as typeof import('node:vm');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // None yet.
  }
  // Node's own CommonJS wrapper, on the first line, so that line numbers stay the file's.
  // Named without its directory: V8 writes the name into the cache, and the install path may hold
  // the user's name (no absolute path is stored anywhere). Stack traces say `watchdog/<bundle>`.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: `watchdog/${basename(file)}`, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) process.once('exit', () => writeCache(script, cacheFile, prefix));
  return script.runInThisContext() as Wrapper;
}

function writeCache(script: import('node:vm').Script, cacheFile: string, prefix: string): void {
  try {
    const dir = dirname(cacheFile);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && join(dir, name) !== cacheFile) rmSync(join(dir, name), { force: true });
    }
    const partial = `${cacheFile}.${process.pid}.partial`;
    writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    renameSync(partial, cacheFile);
  } catch {
    // No cache this time.
  }
}

/** require(file), compiled from the code cache when there is one. `file` is one of our bundles. */
export function requireBundle<T>(file: string, env: NodeJS.ProcessEnv = process.env): T {
  const dir = cacheDir(env);
  if (dir === null || env.WATCHDOG_CODE_CACHE === '0' || !process.execArgv.includes(VERIFY_FLAG)) return require(file) as T;
  let wrapper: Wrapper;
  try {
    const fd = openSync(file, 'r');
    let source: string;
    let identity: string;
    try {
      const st = fstatSync(fd);
      identity = `${st.size}-${Math.floor(st.mtimeMs)}-${st.ino}`;
      source = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
    const prefix = `${basename(file)}-`;
    wrapper = compile(file, source, join(dir, `${prefix}${process.version}-${process.arch}-${identity}.v8`), prefix);
  } catch {
    return require(file) as T;
  }
  const module = { exports: {} as unknown };
  // Our bundles require only Node's modules and absolute paths: our own require serves them.
  wrapper.call(module.exports, module.exports, require, module, file, dirname(file));
  return module.exports as T;
}
