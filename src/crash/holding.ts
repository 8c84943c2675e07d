/**
 * Holding: crashes held aside while their store cannot take them. When the store cannot be
 * written (permissions, a read-only or full file system, a file where a directory should be), the
 * counters of a crash that were not counted are written to a private holding directory outside
 * the store, and counted into the store the next time a watchdog runs on it and it can be written.
 *
 * Where: `$XDG_RUNTIME_DIR/watchdog` when XDG_RUNTIME_DIR is an absolute path to an existing
 * directory of ours, else `<tmp>/watchdog-<uid>` (<tmp> as os.tmpdir(): an absolute TMPDIR, TMP or
 * TEMP, else /tmp). Inside it, one subdirectory per store, named by the FNV-1a 64 hash of the
 * store's absolute path, in hex:
 *
 *   <root>/<fnv1a64(store)>/held.<pid>.<unique>.json       counters waiting for the store
 *   <root>/<fnv1a64(store)>/partial.<pid>.<unique>          a held file being written
 *   <root>/<fnv1a64(store)>/claimed.<pid>.held.<...>.json   a held file being counted by <pid>
 *
 * A held file is one line of JSON: `{"watchdog":1,"held":1,"counters":[{"program":{"name":"tool",
 * "version":"1.2.0"},"name":"crash/crash\n...","week":"2026-W48"}]}`, the counters of one crash
 * run that the store did not take, each with the ISO week it happened in (it is counted into that
 * week). Counter names and program identities are what the store itself holds: no absolute path,
 * user name, message text or environment value is written, and the store's path only as its hash.
 *
 * Invariants:
 * - Only a private directory is used: the root and the store's subdirectory are created mode
 *   0700 and, before every use, checked with lstat to be real directories (not symbolic links),
 *   owned by us, with no group or other permission bits; else they are not used (a hostile /tmp
 *   gets nowhere: nothing is written to, or counted from, a directory someone else controls).
 * - A held file is written whole or not at all: written to `partial.*` (O_EXCL, O_NOFOLLOW, 0600),
 *   then renamed to `held.*`.
 * - Bounded: at most MAX_HELD_FILES held files per store, MAX_HELD_BYTES per file, MAX_STORES
 *   stores per root. Past a bound the crash is dropped, and the caller says so in its one line.
 * - Counted once: a held file is claimed by renaming it to `claimed.<our pid>.<name>` before it
 *   is read (two watchdogs draining at once never take the same file) and deleted only after its
 *   counters were counted. A file claimed by a process that is no longer alive is claimed again.
 *   When the store fails part-way through a file, the counters not yet counted are written to a
 *   new held file before the claimed one is deleted (if even that fails, the claimed file is put
 *   back whole: counting twice is preferred to losing a crash). A watchdog killed between counting
 *   and deleting leaves its claimed file to be counted again.
 * - Cheap when there is nothing: heldWaiting() is one stat per candidate root (one, or two when
 *   XDG_RUNTIME_DIR is set), and needs no crypto and nothing but node:fs and node:path; the rest
 *   is loaded with the crash path only when a held file may be waiting. The subdirectory of a
 *   store is removed once it is empty, so a store with nothing held costs just that stat.
 * - The subdirectory is the watchdog's alone: anything in it that is not a file of the watchdog
 *   is removed when it is drained, so it cannot keep every run looking.
 * - Nothing here throws.
 *
 * Held crashes live as long as their directory: a reboot (the runtime directory and often /tmp are
 * tmpfs) or a /tmp cleaner loses them. On systems without user ids (Windows) nothing is held.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { reason } from '../counter/errors.js';
import type { ProgramId } from '../counter/types.js';
import { alive, claim } from './spool.js';

/** One counter the store did not take, with the ISO week (`2026-W48`, UTC) of its crash. */
export interface HeldCounter {
  program: ProgramId;
  name: string;
  week: string;
}

/** Held files per store: past this, crashes are dropped. */
export const MAX_HELD_FILES = 1000;
/** Bytes per held file: counters that do not fit are dropped. */
export const MAX_HELD_BYTES = 256 * 1024;
/** Store subdirectories per root. */
export const MAX_STORES = 256;
/** Bounds of a held counter's fields (the store cuts names to 8192 bytes, programs shorter still). */
const MAX_NAME_CHARS = 8192;
const MAX_PROGRAM_CHARS = 1024;
const MAX_VERSION_CHARS = 256;
/** A `partial.*` file this old was left by a writer that died. */
const STALE_MS = 10 * 60 * 1000;

const HELD_NAME = /^held\.(\d+)\.[0-9a-z-]{1,40}\.json$/;
const CLAIMED_NAME = /^claimed\.(\d+)\.(held\.\d+\.[0-9a-z-]{1,40}\.json)$/;
const PARTIAL_NAME = /^partial\.(\d+)\.[0-9a-z-]{1,40}$/;
const WEEK = /^\d{4}-W\d{2}$/;

/** FNV-1a, 64 bits, of the UTF-8 bytes of `text`, as 16 hex digits. Not cryptographic: a name, not a secret. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** A candidate root; `owner` is a directory that must be an existing one of ours for it to be used. */
interface Root {
  path: string;
  owner: string | null;
}

/** os.tmpdir() on POSIX, without loading node:os on the run path; only an absolute path is taken. */
function tmpDir(env: NodeJS.ProcessEnv): string {
  let dir = env.TMPDIR || env.TMP || env.TEMP || '';
  if (!dir.startsWith('/')) dir = '/tmp';
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/** The holding roots, in order of preference; none where there are no user ids. */
export function holdingRoots(env: NodeJS.ProcessEnv = process.env, uid: number | null = process.getuid?.() ?? null): Root[] {
  if (uid === null) return [];
  const roots: Root[] = [];
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && runtime.startsWith('/')) roots.push({ path: join(runtime, 'watchdog'), owner: runtime });
  roots.push({ path: join(tmpDir(env), `watchdog-${uid}`), owner: null });
  return roots;
}

/** The name of a store's subdirectory in every root. */
export function storeKey(storeDir: string): string {
  return fnv1a64(resolve(storeDir));
}

/**
 * True when something may be held for the store: its subdirectory exists in a root. One stat per
 * root, nothing verified (drainHeld() verifies before it reads). Never throws.
 */
export function heldWaiting(storeDir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const roots = holdingRoots(env);
  if (roots.length === 0) return false;
  const key = storeKey(storeDir);
  for (const root of roots) {
    try {
      if (statSync(join(root.path, key), { throwIfNoEntry: false })?.isDirectory()) return true;
    } catch {
      // Not there, or not reachable: nothing to drain from it.
    }
  }
  return false;
}

/** Where crashes are held for the store now, and how many: for `watchdog env`. Never throws. */
export function heldFor(storeDir: string, env: NodeJS.ProcessEnv = process.env): { dir: string; crashes: number }[] {
  const key = storeKey(storeDir);
  const found: { dir: string; crashes: number }[] = [];
  for (const root of holdingRoots(env)) {
    const dir = join(root.path, key);
    const crashes = heldCount(dir);
    if (crashes > 0) found.push({ dir, crashes });
  }
  return found;
}

/** Why a directory is not private to us, or null when it is: a real directory, ours, mode 0700 or less. */
function notPrivate(path: string): string | null {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    return reason(e);
  }
  if (!st.isDirectory()) return st.isSymbolicLink() ? 'a symbolic link' : 'not a directory';
  if (st.uid !== process.getuid?.()) return 'owned by another user';
  if ((st.mode & 0o077) !== 0) return 'open to other users';
  return null;
}

/** Whether `root` may be used at all: its owner directory (XDG_RUNTIME_DIR) is an existing one of ours. */
function rootAllowed(root: Root): boolean {
  if (root.owner === null) return true;
  try {
    const st = statSync(root.owner);
    return st.isDirectory() && st.uid === process.getuid?.();
  } catch {
    return false;
  }
}

/** Creates `path` mode 0700 unless it exists, then checks it is private; the reason when it is not usable. */
function privateDir(path: string): string | null {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return reason(e);
  }
  return notPrivate(path);
}

/** What hold() did: how many counters it kept, how many it dropped, and why. */
export interface HoldResult {
  kept: number;
  dropped: number;
  /** Why counters were dropped (no private directory, the cap), when some were. */
  reason: string | null;
}

/**
 * Writes `counters` (of one crash run) as one held file for the store. Counters that would pass
 * MAX_HELD_BYTES are dropped, all of them once MAX_HELD_FILES are waiting. Never throws.
 */
export function hold(storeDir: string, counters: readonly HeldCounter[]): HoldResult {
  if (counters.length === 0) return { kept: 0, dropped: 0, reason: null };
  const { fitting, text } = fit(counters);
  const cut = fitting.length < counters.length ? 'too large to keep' : null;
  if (fitting.length === 0) return { kept: 0, dropped: counters.length, reason: cut };
  const key = storeKey(storeDir);
  let why = 'no holding directory';
  for (const root of holdingRoots()) {
    if (!rootAllowed(root)) continue;
    const problem = privateDir(root.path);
    if (problem !== null) {
      why = `holding directory ${root.path}: ${problem}`;
      continue;
    }
    // A drainer may remove the empty subdirectory between our mkdir and our write: try again then.
    for (let attempt = 0; attempt < 3; attempt++) {
      const dir = join(root.path, key);
      const full = storeSlotsFull(root.path, key);
      if (full !== null) return { kept: 0, dropped: counters.length, reason: full };
      const bad = privateDir(dir);
      if (bad !== null) {
        why = `holding directory ${dir}: ${bad}`;
        break;
      }
      const waiting = heldCount(dir);
      if (waiting >= MAX_HELD_FILES) return { kept: 0, dropped: counters.length, reason: `${waiting} crashes already wait for the store` };
      try {
        writeHeld(dir, text);
        return { kept: fitting.length, dropped: counters.length - fitting.length, reason: cut };
      } catch (e) {
        why = `cannot write to ${dir}: ${reason(e)}`;
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') break;
      }
    }
  }
  return { kept: 0, dropped: counters.length, reason: why };
}

/**
 * The leading counters whose held file fits MAX_HELD_BYTES, and that file's text. Fields are cut
 * to the bounds parseHeld() accepts; the store cuts names shorter still (8192 bytes), so a name
 * cut here is counted as it would have been.
 */
function fit(counters: readonly HeldCounter[]): { fitting: HeldCounter[]; text: string } {
  const fitting = counters.map((c) => ({
    program: { name: c.program.name.slice(0, MAX_PROGRAM_CHARS), version: c.program.version.slice(0, MAX_VERSION_CHARS) },
    name: c.name.slice(0, MAX_NAME_CHARS),
    week: c.week,
  }));
  for (;;) {
    const text = `${JSON.stringify({ watchdog: 1, held: 1, counters: fitting })}\n`;
    if (Buffer.byteLength(text) <= MAX_HELD_BYTES || fitting.length === 0) return { fitting, text };
    fitting.pop();
  }
}

/** Null when the root may take the store's subdirectory: it exists already, or the root has room. */
function storeSlotsFull(root: string, key: string): string | null {
  try {
    const names = readdirSync(root);
    return names.includes(key) || names.length < MAX_STORES ? null : `crashes of ${names.length} stores already wait`;
  } catch (e) {
    return `cannot read ${root}: ${reason(e)}`;
  }
}

/** Held files waiting or being counted in `dir`. */
function heldCount(dir: string): number {
  try {
    return readdirSync(dir).filter((n) => HELD_NAME.test(n) || CLAIMED_NAME.test(n)).length;
  } catch {
    return 0;
  }
}

function unique(): string {
  return `${process.hrtime.bigint().toString(36)}-${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
}

/** Writes `text` to `partial.*` in `dir`, then renames it to `held.*`. Throws on I/O trouble. */
function writeHeld(dir: string, text: string): string {
  const id = `${process.pid}.${unique()}`;
  const partial = join(dir, `partial.${id}`);
  const fd = openSync(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
    closeSync(fd);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    rmSync(partial, { force: true });
    throw error;
  }
  const held = join(dir, `held.${id}.json`);
  try {
    renameSync(partial, held);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return held;
}

/** A held file's text -> its counters, validated field by field; null when it is not a held file. */
export function parseHeld(text: string): HeldCounter[] | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { watchdog?: unknown; held?: unknown; counters?: unknown };
  if (v.watchdog !== 1 || v.held !== 1 || !Array.isArray(v.counters)) return null;
  const str = (s: unknown, max: number): s is string => typeof s === 'string' && s.length > 0 && s.length <= max;
  const counters: HeldCounter[] = [];
  for (const c of v.counters as unknown[]) {
    const { program, name, week } = (typeof c === 'object' && c !== null ? c : {}) as { program?: { name?: unknown; version?: unknown } | null; name?: unknown; week?: unknown };
    if (typeof program !== 'object' || program === null) continue;
    if (!str(program.name, MAX_PROGRAM_CHARS) || !str(program.version, MAX_VERSION_CHARS) || !str(name, MAX_NAME_CHARS) || !str(week, 8) || !WEEK.test(week)) continue;
    counters.push({ program: { name: program.name, version: program.version }, name, week });
  }
  return counters.length > 0 ? counters : null;
}

/** What drainHeld() did: counters counted, and whether the store refused one (the rest waits). */
export interface DrainResult {
  counted: number;
  /** The store's error that stopped the draining, if one did. */
  error: unknown;
}

/**
 * Counts what is held for the store, file by file: claim, count each counter with `count`
 * (which throws when the store cannot take it), delete. Stops at the first counter the store
 * refuses, leaving it and every later one held. Removes the store's subdirectory once it is
 * empty. Never throws (`count`'s error is returned).
 */
export function drainHeld(storeDir: string, count: (counter: HeldCounter) => void): DrainResult {
  const result: DrainResult = { counted: 0, error: null };
  const key = storeKey(storeDir);
  for (const root of holdingRoots()) {
    const dir = join(root.path, key);
    // Read only from directories that are private to us: what is in them, we wrote.
    if (!rootAllowed(root) || notPrivate(root.path) !== null || notPrivate(dir) !== null) continue;
    drainDir(dir, count, result);
    if (result.error !== null) return result;
    try {
      rmdirSync(dir);
    } catch {
      // Not empty: a crash held meanwhile, a claim in flight, or a file of a dying writer.
    }
  }
  return result;
}

function drainDir(dir: string, count: (counter: HeldCounter) => void, result: DrainResult): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (let name of names) {
    const claimedBy = CLAIMED_NAME.exec(name);
    if (claimedBy !== null) {
      // A file claimed by a process that died before it was counted: held again, and taken.
      const pid = Number(claimedBy[1]);
      if (pid === process.pid || alive(pid)) continue;
      try {
        renameSync(join(dir, name), join(dir, claimedBy[2]!));
      } catch {
        continue; // another watchdog put it back first
      }
      name = claimedBy[2]!;
    }
    if (!HELD_NAME.test(name)) {
      removeForeign(dir, name);
      continue;
    }
    const claimed = claim(dir, name);
    if (claimed === null) continue;
    const counters = readHeld(claimed);
    let done = 0;
    if (counters !== null) {
      for (; done < counters.length; done++) {
        try {
          count(counters[done]!);
        } catch (error) {
          result.error = error;
          break;
        }
        result.counted++;
      }
    }
    if (counters !== null && done < counters.length) {
      putBack(dir, name, claimed, counters.slice(done), done > 0);
      return;
    }
    rmSync(claimed, { force: true });
  }
}

/**
 * After the store refused a counter of the file claimed as `claimed`: the counters not counted
 * are held again. When some were counted, the rest go to a new held file and the claimed one is
 * deleted; when that cannot be written, or none were counted, the claimed file goes back whole.
 */
function putBack(dir: string, name: string, claimed: string, rest: HeldCounter[], someCounted: boolean): void {
  try {
    if (someCounted) {
      writeHeld(dir, `${JSON.stringify({ watchdog: 1, held: 1, counters: rest })}\n`);
      rmSync(claimed, { force: true });
      return;
    }
  } catch {
    // Back whole, below: the counted ones will be counted again rather than the rest lost.
  }
  try {
    renameSync(claimed, join(dir, name));
  } catch {
    // It stays claimed by us; the next watchdog after we exit claims it again.
  }
}

/** The counters of a claimed held file: a regular file of at most MAX_HELD_BYTES; null when it is not one. */
function readHeld(path: string): HeldCounter[] | null {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size <= MAX_HELD_BYTES ? parseHeld(readFileSync(path, 'utf8')) : null;
  } catch {
    return null;
  }
}

/** Removes what is not a held file: a partial file of a writer that died, or anything not ours. */
function removeForeign(dir: string, name: string): void {
  const path = join(dir, name);
  const partial = PARTIAL_NAME.exec(name);
  try {
    if (partial !== null) {
      const pid = Number(partial[1]);
      if ((pid === process.pid || alive(pid)) && Date.now() - lstatSync(path).mtimeMs <= STALE_MS) return;
    }
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Gone already.
  }
}
