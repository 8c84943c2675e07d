/**
 * Holding (src/crash/holding.ts, recordHeld in src/crash/index.ts): crashes kept aside while their
 * store cannot take them. Where they go, that they are written whole, claimed once, claimed again
 * when their claimer died, bounded, never written to or read from a directory that is not private
 * to us, and that nothing private is written.
 */
import { spawn, spawnSync } from 'node:child_process';
import { bundleForNode } from '../counter/helpers.js';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTotals } from '../../src/counter/read.js';
import { weekKey } from '../../src/counter/week.js';
import { recordHeld } from '../../src/crash/index.js';
import { MAX_HELD_BYTES, MAX_HELD_FILES, MAX_STORES, drainHeld, fnv1a64, heldWaiting, hold, holdingRoots, parseHeld, storeKey, type HeldCounter } from '../../src/crash/holding.js';

const base = mkdtempSync(join(tmpdir(), 'watchdog-holding-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const asRoot = process.getuid?.() === 0;

let n = 0;
let runtime = '';
let tmp = '';
const saved = { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, TMPDIR: process.env.TMPDIR };
beforeEach(() => {
  // Each test its own runtime and temporary directories: no state shared with other tests.
  runtime = join(base, `runtime-${++n}`);
  tmp = join(base, `tmp-${n}`);
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(tmp, { mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = runtime;
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const uid = process.getuid?.() ?? 0;
const week = weekKey(new Date());
const counter = (name = 'crash/crash\nsrc/a.ts:f:+1', program = { name: 'tool', version: '1.0.0' }): HeldCounter => ({ program, name, week });
const storePath = (): string => join(base, `store-${++n}`);
/** The store's subdirectory in the runtime root. */
const heldDir = (store: string, root = join(runtime, 'watchdog')): string => join(root, storeKey(store));
const heldFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => /^held\./.test(f)) : []);

/** A pid that is no longer alive: a process that ran and was reaped. */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid;
}

describe('fnv1a64', () => {
  it('is FNV-1a 64 (the reference vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('names a store by its absolute path: the same store by any spelling, two stores apart', () => {
    const cwd = process.cwd();
    expect(storeKey('relative/store')).toBe(fnv1a64(join(cwd, 'relative/store')));
    expect(storeKey('/a/b/../store')).toBe(storeKey('/a/store'));
    expect(storeKey('/a/store')).not.toBe(storeKey('/a/store2'));
    expect(storeKey('/a/store')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('holdingRoots', () => {
  it('XDG_RUNTIME_DIR/watchdog first, then <tmp>/watchdog-<uid>', () => {
    expect(holdingRoots({ XDG_RUNTIME_DIR: '/run/user/7', TMPDIR: '/var/tmp/' }, 7).map((r) => r.path)).toEqual(['/run/user/7/watchdog', '/var/tmp/watchdog-7']);
    expect(holdingRoots({}, 7).map((r) => r.path)).toEqual(['/tmp/watchdog-7']);
    // Relative directories are not taken: they would change with the working directory.
    expect(holdingRoots({ XDG_RUNTIME_DIR: 'run', TMPDIR: 'tmp' }, 7).map((r) => r.path)).toEqual(['/tmp/watchdog-7']);
    expect(holdingRoots({ TMP: '/x' }, 7).map((r) => r.path)).toEqual(['/x/watchdog-7']);
    expect(holdingRoots({}, null)).toEqual([]);
  });
});

describe('hold', () => {
  it('writes one held file, whole, in a private subdirectory named by the hash of the store path', () => {
    const store = storePath();
    expect(heldWaiting(store)).toBe(false);
    const result = hold(store, [counter(), counter('crash/oom', { name: 'other', version: 'devel' })]);
    expect(result).toEqual({ kept: 2, dropped: 0, reason: null });
    const dir = heldDir(store);
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^held\\.${process.pid}\\.[0-9a-z-]+\\.json$`));
    expect(lstatSync(join(dir, names[0]!)).mode & 0o777).toBe(0o600);
    for (const d of [join(runtime, 'watchdog'), dir]) expect(lstatSync(d).mode & 0o777).toBe(0o700);
    expect(parseHeld(readFileSync(join(dir, names[0]!), 'utf8'))).toEqual([counter(), counter('crash/oom', { name: 'other', version: 'devel' })]);
    expect(heldWaiting(store)).toBe(true);
    // Nothing in the temporary directory: the runtime directory was usable.
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('writes nothing private: no path, user or home in any file or file name', () => {
    const store = join(base, `private-${userInfo().username}-${++n}`, 'watchdog');
    hold(store, [counter()]);
    const words = [store, base, tmpdir() + '/', homedir() + '/', userInfo().username === 'root' ? '/root' : userInfo().username];
    const below = (dir: string): string[] => readdirSync(dir).flatMap((f) => [f, ...(statSync(join(dir, f)).isDirectory() ? below(join(dir, f)).map((g) => `${f}/${g}`) : [])]);
    const entries = below(runtime);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      for (const word of words) expect(entry.includes(word), `${word} in the name ${entry}`).toBe(false);
      const path = join(runtime, entry);
      if (statSync(path).isFile()) {
        const text = readFileSync(path, 'utf8');
        for (const word of words) expect(text.includes(word), `${word} in ${entry}`).toBe(false);
      }
    }
  });

  it('falls back to <tmp>/watchdog-<uid> when XDG_RUNTIME_DIR is unset, missing or not ours', () => {
    const store = storePath();
    delete process.env.XDG_RUNTIME_DIR;
    expect(hold(store, [counter()]).kept).toBe(1);
    process.env.XDG_RUNTIME_DIR = join(base, 'no-such-runtime');
    expect(hold(store, [counter()]).kept).toBe(1);
    expect(heldFiles(heldDir(store, join(tmp, `watchdog-${uid}`)))).toHaveLength(2);
    expect(existsSync(join(base, 'no-such-runtime'))).toBe(false);
    if (asRoot) {
      chownSync(runtime, 65534, 65534);
      process.env.XDG_RUNTIME_DIR = runtime;
      expect(hold(store, [counter()]).kept).toBe(1);
      expect(heldFiles(heldDir(store, join(tmp, `watchdog-${uid}`)))).toHaveLength(3);
      expect(readdirSync(runtime)).toEqual([]);
    }
    // Draining takes them from every root.
    const seen: HeldCounter[] = [];
    expect(drainHeld(store, (c) => void seen.push(c))).toEqual({ counted: 3 - (asRoot ? 0 : 1), error: null });
    expect(existsSync(heldDir(store, join(tmp, `watchdog-${uid}`)))).toBe(false);
  });

  it('drops counters past MAX_HELD_BYTES per file, and says so', () => {
    const store = storePath();
    const big = Array.from({ length: 40 }, (_, i) => counter(`crash/crash\n${String(i).padStart(4, '0')}${'x'.repeat(8000)}`));
    const result = hold(store, big);
    expect(result.kept + result.dropped).toBe(40);
    expect(result.kept).toBeGreaterThan(0);
    expect(result.dropped).toBeGreaterThan(0);
    expect(result.reason).toMatch(/too large/);
    const [file] = heldFiles(heldDir(store));
    expect(statSync(join(heldDir(store), file!)).size).toBeLessThanOrEqual(MAX_HELD_BYTES);
    expect(parseHeld(readFileSync(join(heldDir(store), file!), 'utf8'))).toEqual(big.slice(0, result.kept));
  });

  it(`drops a crash once ${MAX_HELD_FILES} files wait for the store, and once ${MAX_STORES} stores wait`, () => {
    const store = storePath();
    hold(store, [counter()]);
    const dir = heldDir(store);
    const [first] = heldFiles(dir);
    const text = readFileSync(join(dir, first!), 'utf8');
    for (let i = 1; i < MAX_HELD_FILES; i++) writeFileSync(join(dir, `held.1.f${i}.json`), text);
    const result = hold(store, [counter()]);
    expect(result).toEqual({ kept: 0, dropped: 1, reason: `${MAX_HELD_FILES} crashes already wait for the store` });
    expect(heldFiles(dir)).toHaveLength(MAX_HELD_FILES);

    for (let i = 0; i < MAX_STORES; i++) mkdirSync(join(runtime, 'watchdog', `s${i}`), { mode: 0o700 });
    const other = hold(storePath(), [counter()]);
    expect(other.kept).toBe(0);
    expect(other.reason).toMatch(/stores already wait/);
    // A store already waiting may still add to its own.
    rmSync(join(dir, first!));
    expect(hold(store, [counter()]).kept).toBe(1);
  });

  it('never uses a hostile root: a symbolic link, open to others, or owned by another user', () => {
    const store = storePath();
    delete process.env.XDG_RUNTIME_DIR;
    const root = join(tmp, `watchdog-${uid}`);
    const elsewhere = join(base, `elsewhere-${n}`);
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, root);
    const linked = hold(store, [counter()]);
    expect(linked.kept).toBe(0);
    expect(linked.reason).toMatch(/symbolic link/);
    expect(readdirSync(elsewhere)).toEqual([]);
    rmSync(root);

    mkdirSync(root, { mode: 0o700 });
    chmodSync(root, 0o777);
    const open = hold(store, [counter()]);
    expect(open.kept).toBe(0);
    expect(open.reason).toMatch(/open to other users/);
    expect(readdirSync(root)).toEqual([]);

    if (asRoot) {
      chmodSync(root, 0o700);
      chownSync(root, 65534, 65534);
      const owned = hold(store, [counter()]);
      expect(owned.kept).toBe(0);
      expect(owned.reason).toMatch(/owned by another user/);
      expect(readdirSync(root)).toEqual([]);
    }
  });

  it('never reads from a hostile root: counters planted there are not counted', () => {
    const store = storePath();
    hold(store, [counter()]);
    const root = join(runtime, 'watchdog');
    chmodSync(root, 0o755);
    const seen: HeldCounter[] = [];
    expect(drainHeld(store, (c) => void seen.push(c))).toEqual({ counted: 0, error: null });
    expect(heldFiles(heldDir(store))).toHaveLength(1);
    chmodSync(root, 0o700);
    chmodSync(heldDir(store), 0o750);
    expect(drainHeld(store, (c) => void seen.push(c)).counted).toBe(0);
    if (asRoot) {
      chmodSync(heldDir(store), 0o700);
      chownSync(heldDir(store), 65534, 65534);
      expect(drainHeld(store, (c) => void seen.push(c)).counted).toBe(0);
      chownSync(heldDir(store), uid, uid);
    }
    chmodSync(heldDir(store), 0o700);
    expect(drainHeld(store, (c) => void seen.push(c)).counted).toBe(1);
    expect(seen).toEqual([counter()]);
  });
});

describe('drainHeld', () => {
  it('counts each held counter once, deletes the file, removes the empty subdirectory', () => {
    const store = storePath();
    hold(store, [counter('crash/a'), counter('crash/b')]);
    hold(store, [counter('crash/c')]);
    const seen: string[] = [];
    expect(drainHeld(store, (c) => void seen.push(c.name))).toEqual({ counted: 3, error: null });
    expect(seen.sort()).toEqual(['crash/a', 'crash/b', 'crash/c']);
    expect(existsSync(heldDir(store))).toBe(false);
    expect(heldWaiting(store)).toBe(false);
    expect(drainHeld(store, () => expect.unreachable()).counted).toBe(0);
  });

  it('a store that refuses: the file goes back whole; part-way through, the rest is held again', () => {
    const store = storePath();
    hold(store, [counter('crash/a'), counter('crash/b'), counter('crash/c')]);
    const refuse = (): void => {
      throw new Error('cannot write: read-only file system');
    };
    const before = heldFiles(heldDir(store));
    const refused = drainHeld(store, refuse);
    expect(refused.counted).toBe(0);
    expect((refused.error as Error).message).toMatch(/read-only/);
    expect(heldFiles(heldDir(store))).toEqual(before);
    expect(readdirSync(heldDir(store))).toEqual(before);

    const seen: string[] = [];
    const partWay = drainHeld(store, (c) => {
      if (c.name === 'crash/b') refuse();
      seen.push(c.name);
    });
    expect(partWay.counted).toBe(1);
    const after = heldFiles(heldDir(store));
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    expect(readdirSync(heldDir(store))).toEqual(after); // no claimed file left
    expect(drainHeld(store, (c) => void seen.push(c.name)).counted).toBe(2);
    expect(seen).toEqual(['crash/a', 'crash/b', 'crash/c']);
  });

  it('claims again a file claimed by a process that died; leaves one claimed by a live process', async () => {
    const store = storePath();
    hold(store, [counter('crash/orphan')]);
    const dir = heldDir(store);
    const [file] = heldFiles(dir);
    const dead = deadPid();
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, file!), join(dir, `claimed.${dead}.${file}`));
    hold(store, [counter('crash/in-flight')]);
    const [other] = heldFiles(dir);
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      renameSync(join(dir, other!), join(dir, `claimed.${sleeper.pid}.${other}`));
      const seen: string[] = [];
      expect(drainHeld(store, (c) => void seen.push(c.name)).counted).toBe(1);
      expect(seen).toEqual(['crash/orphan']);
      expect(readdirSync(dir)).toEqual([`claimed.${sleeper.pid}.${other}`]);
      expect(heldWaiting(store)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    // Its claimer gone, the next drain takes it.
    const seen: string[] = [];
    expect(drainHeld(store, (c) => void seen.push(c.name)).counted).toBe(1);
    expect(seen).toEqual(['crash/in-flight']);
    expect(existsSync(dir)).toBe(false);
  });

  it("removes a dead writer's partial file and anything not the watchdog's; keeps a live writer's", () => {
    const store = storePath();
    hold(store, [counter()]);
    const dir = heldDir(store);
    writeFileSync(join(dir, `partial.${deadPid()}.abc`), '{"watchdog":1');
    writeFileSync(join(dir, `partial.${process.pid}.live`), '{"watchdog":1');
    const old = join(dir, `partial.${process.pid}.old`);
    writeFileSync(old, '{"watchdog":1');
    utimesSync(old, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    mkdirSync(join(dir, 'a-directory'));
    writeFileSync(join(dir, 'held.1.broken.json'), 'not json');
    writeFileSync(join(dir, 'held.2.big.json'), 'x'.repeat(MAX_HELD_BYTES + 1));
    expect(drainHeld(store, () => {}).counted).toBe(1);
    expect(readdirSync(dir)).toEqual([`partial.${process.pid}.live`]);
  });

  it('into the store: each counter in the week its crash happened, once', () => {
    const store = storePath();
    const old = { ...counter('crash/last-year'), week: '2025-W10' };
    hold(store, [counter('crash/now'), old]);
    expect(recordHeld(store)).toBe(2);
    expect(recordHeld(store)).toBe(0);
    const rows = readTotals(store, {}).totals.map((t) => [t.name, t.count, t.weeks.join(',')]).sort();
    expect(rows).toEqual([
      ['crash/last-year', 1, '2025-W10'],
      ['crash/now', 1, week],
    ]);
  });

  it('four processes draining at once count every held file exactly once', { timeout: 60_000 }, async () => {
    const store = storePath();
    const FILES = 300;
    for (let i = 0; i < FILES; i++) hold(store, [counter(`crash/c${i % 7}`)]);
    const bundle = join(base, `crash-${n}.cjs`);
    await bundleForNode(fileURLToPath(new URL('../../src/crash/index.ts', import.meta.url)), bundle);
    const startAt = Date.now() + 1500;
    const script = `const at = ${startAt}; while (Date.now() < at) {} process.stdout.write(String(require(${JSON.stringify(bundle)}).recordHeld(${JSON.stringify(store)})));`;
    const counts = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        return new Promise<number>((resolve) => child.on('close', () => resolve(Number(out))));
      }),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(FILES);
    const totals = readTotals(store, {}).totals;
    expect(totals.reduce((a, t) => a + t.count, 0)).toBe(FILES);
    expect(existsSync(heldDir(store))).toBe(false);
  });
});
