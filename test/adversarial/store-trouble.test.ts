/**
 * A store that cannot be written: below a regular file, permission denied (the watchdog run as
 * an ordinary user), a read-only file system, a full file system, a store file replaced by a
 * directory, a program directory replaced by a file. In every case the crashing child's output
 * and status are exactly those of a run without the watchdog, the watchdog says one line, that
 * the crash was kept aside (src/crash/holding.ts), and once the condition is fixed the crash that
 * happened meanwhile is recorded, exactly once, beside the old data, which is intact: by the next
 * run (crashing or not) or listing, also when two watchdogs find it at the same time. When even
 * the holding directory cannot be used, the one line says the crash is lost.
 *
 * Every test has a holding directory of its own: XDG_RUNTIME_DIR (and TMPDIR, the fallback) of
 * every watchdog it starts point into the test's temporary directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { programDirName } from '../../src/counter/encoding.js';
import { openStore } from '../../src/counter/store.js';
import { weekKey } from '../../src/counter/week.js';
import { FIXTURES, expectPrivate, finished, listing, startWatchdog, tempDir, total } from './helpers.js';

const CWD = join(FIXTURES, 'cjs-nested');
const PROGRAM = { name: 'fixture-cjs-nested', version: '1.0.0' };
const tmp = tempDir();
afterAll(() => tmp.remove());

/** This test's holding root's parent: XDG_RUNTIME_DIR of every watchdog it starts (inherited). */
let runtime = '';
let tests = 0;
const savedEnv = { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, TMPDIR: process.env.TMPDIR };
beforeEach(() => {
  runtime = join(tmp.dir, `runtime-${++tests}`);
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(join(runtime, 'tmp'), { mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = runtime;
  process.env.TMPDIR = join(runtime, 'tmp');
});
afterEach(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** The crashes held aside in this test's holding directory (any store), as file names. */
function held(): string[] {
  const root = join(runtime, 'watchdog');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((key) => readdirSync(join(root, key)).map((f) => `${key}/${f}`));
}

const KEPT_ASIDE = /; kept aside, to be recorded the next time the store can be written\n$/;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function plainRun(options: { uid?: number; gid?: number } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn('node', ['main.js'], { cwd: CWD, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function crashUnder(store: string, options: { uid?: number; gid?: number } = {}): Promise<Outcome> {
  return finished(startWatchdog(['--', 'node', 'main.js'], store, { cwd: CWD, ...options }));
}

let plain: Outcome;
beforeAll(async () => {
  plain = await plainRun();
  expect(plain.code).toBe(1);
});

/** The child's output and status are untouched; the watchdog adds exactly one line, which it returns. */
function expectOneLine(run: Outcome, reference: Outcome = plain): string {
  expect(run.code).toBe(reference.code);
  expect(run.signal).toBe(reference.signal);
  expect(run.stdout).toBe(reference.stdout);
  expect(run.stderr.startsWith(reference.stderr), run.stderr).toBe(true);
  const extra = run.stderr.slice(reference.stderr.length);
  expect(extra).toMatch(/^watchdog: [^\n]+\n$/);
  return extra;
}

/** The child's output and status are untouched and the watchdog said nothing. */
function expectSilent(run: Outcome, reference: Outcome = plain): void {
  expect({ ...run }).toEqual({ ...reference });
}

/** One line, which says the crash was kept aside: one more held file, nothing private in it. */
function expectKeptAside(run: Outcome, heldBefore: number, reference: Outcome = plain): string {
  const line = expectOneLine(run, reference);
  expect(line).toMatch(KEPT_ASIDE);
  expect(held().filter((f) => /\/held\./.test(f))).toHaveLength(heldBefore + 1);
  expectPrivate(runtime);
  return line;
}

async function countOf(store: string): Promise<number> {
  const l = await listing(store);
  expect(l.code).toBe(0);
  expect(l.stderrLines).toEqual([]);
  return total(l.counters);
}

describe('a store that cannot be written', () => {
  it('below a regular file (ENOTDIR): one line; once it is a directory, crashes are recorded', async () => {
    const base = join(tmp.dir, 'below-file');
    mkdirSync(base);
    writeFileSync(join(base, 'data'), 'a regular file');
    const store = join(base, 'data', 'watchdog');
    expect(expectKeptAside(await crashUnder(store), 0)).toMatch(/not a directory/);
    expect(expectKeptAside(await crashUnder(store), 1)).toMatch(/not a directory/);
    // `watchdog env` tells where they wait (it counts nothing itself).
    const shown = await finished(startWatchdog(['env'], store));
    expect(shown.stdout).toMatch(new RegExp(`^held: +2 crashes waiting for the store in ${join(runtime, 'watchdog')}/[0-9a-f]{16}$`, 'm'));
    const asJson = JSON.parse((await finished(startWatchdog(['env', '--json'], store))).stdout) as { held: { crashes: number }[] };
    expect(asJson.held.map((h) => h.crashes)).toEqual([2]);
    rmSync(join(base, 'data'));
    // A run that does not crash records them: exit status and output are its own.
    const clean = await finished(startWatchdog(['--', 'node', '-e', 'process.stdout.write("ok")'], store, { cwd: CWD }));
    expect(clean).toEqual({ code: 0, signal: null, stdout: 'ok', stderr: '' });
    expect(held()).toEqual([]);
    expect((await finished(startWatchdog(['env'], store))).stdout).not.toMatch(/^held:/m);
    expect(await countOf(store)).toBe(2);
    expectSilent(await crashUnder(store));
    expect(await countOf(store)).toBe(3);
    expectPrivate(store);
  });

  it('when the holding directory cannot be used either, the one line says the crash is lost', async () => {
    const base = join(tmp.dir, 'lost');
    mkdirSync(base);
    writeFileSync(join(base, 'data'), 'a regular file');
    const store = join(base, 'data', 'watchdog');
    // No runtime directory, and where the fallback would go, a file.
    delete process.env.XDG_RUNTIME_DIR;
    writeFileSync(join(runtime, 'tmp', `watchdog-${process.getuid?.() ?? 0}`), 'in the way');
    const line = expectOneLine(await crashUnder(store));
    expect(line).toMatch(/not a directory; the crash is lost \(holding directory [^\n]*: not a directory\)\n$/);
    rmSync(join(base, 'data'));
    expectSilent(await crashUnder(store));
    expect(await countOf(store)).toBe(1);
  });

  it('permission denied (EACCES, the watchdog running as nobody): one line; once writable, recorded beside the old data', async () => {
    if (process.getuid?.() !== 0) return; // needs root to become another user; as a user, the chmod case below is this one
    const nobody = { uid: 65534, gid: 65534 };
    const store = join(tmp.dir, 'eacces');
    chmodSync(tmp.dir, 0o711); // nobody may pass through the test's own directory
    mkdirSync(store);
    chownSync(store, nobody.uid, nobody.gid);
    // nobody's own runtime directory, as a login would make it.
    chownSync(runtime, nobody.uid, nobody.gid);
    const plainAsNobody = await plainRun(nobody);
    expectSilent(await crashUnder(store, nobody), plainAsNobody);
    const pdir = join(store, 'counters', programDirName(PROGRAM));
    const old = readdirSync(pdir).map((f) => [f, readFileSync(join(pdir, f))] as const);
    // The store made read-only for its owner: directory and files.
    for (const [f] of old) chmodSync(join(pdir, f), 0o400);
    chmodSync(pdir, 0o500);
    expect(expectKeptAside(await crashUnder(store, nobody), 0, plainAsNobody)).toMatch(/permission denied/);
    chmodSync(pdir, 0o700);
    for (const [f] of old) chmodSync(join(pdir, f), 0o600);
    // The next run records the crash held aside and its own.
    expectSilent(await crashUnder(store, nobody), plainAsNobody);
    expect(held()).toEqual([]);
    for (const [f, bytes] of old) expect(readFileSync(join(pdir, f)).subarray(0, bytes.length).equals(bytes), f).toBe(true);
    expect(await countOf(store)).toBe(3);
  });

  it('a read-only file system (EROFS, a read-only bind mount): one line; once writable, recorded beside the old data', async (ctx) => {
    const store = join(tmp.dir, 'erofs');
    mkdirSync(store);
    expectSilent(await crashUnder(store));
    const bind = spawnSync('mount', ['--bind', store, store], { encoding: 'utf8' });
    if (bind.status !== 0) return ctx.skip(`cannot bind-mount (${bind.stderr.trim()}): needs root with CAP_SYS_ADMIN`);
    try {
      const ro = spawnSync('mount', ['-o', 'remount,ro,bind', store], { encoding: 'utf8' });
      expect(ro.status, ro.stderr).toBe(0);
      expect(expectKeptAside(await crashUnder(store), 0)).toMatch(/read-only file system/);
      expect(expectKeptAside(await crashUnder(store), 1)).toMatch(/read-only file system/);
      // Reading still works, and says nothing; the crashes stay held.
      expect(await countOf(store)).toBe(1);
      expect(held().filter((f) => /\/held\./.test(f))).toHaveLength(2);
    } finally {
      spawnSync('umount', [store]);
    }
    // Two watchdogs find the held crashes at once: each is counted by one of them.
    const both = await Promise.all([crashUnder(store), crashUnder(store)]);
    for (const run of both) expectSilent(run);
    expect(held()).toEqual([]);
    expect(await countOf(store)).toBe(1 + 2 + 2);
  });

  describe('a full file system (a 64 KiB tmpfs)', () => {
    let mnt = '';
    let mounted = false;
    let why = '';
    beforeAll(() => {
      mnt = join(tmp.dir, 'full');
      mkdirSync(mnt);
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
      mounted = r.status === 0;
      why = r.stderr.trim();
    });
    afterAll(() => {
      if (mounted) spawnSync('umount', [mnt]);
    });

    /** Fills the file system: a file takes every free page. */
    function fill(): string {
      const filler = join(mnt, 'filler');
      const chunk = Buffer.alloc(4096, 0x61);
      try {
        for (;;) writeFileSync(filler, chunk, { flag: 'a' });
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      return filler;
    }

    it('a first crash of a program needs a new file: one line (ENOSPC); after space is freed, recorded beside the old data', async (ctx) => {
      if (!mounted) return ctx.skip(`cannot mount a tmpfs (${why}): needs root with CAP_SYS_ADMIN`);
      const store = join(mnt, 'a');
      // Old data: another program's crash.
      expectSilent(await finished(startWatchdog(['--program', 'other@1', '--', 'node', 'main.js'], store, { cwd: CWD })).then((r) => r), plain);
      const filler = fill();
      expect(expectKeptAside(await crashUnder(store), 0)).toMatch(/no space left on device/);
      rmSync(filler);
      // A listing records the held crash before it reads.
      const l = await listing(store);
      expect(l.stderrLines).toEqual([]);
      expect(l.counters.map((c) => [c.program, c.count]).sort()).toEqual([
        ['fixture-cjs-nested', 1],
        ['other', 1],
      ]);
      expect(held()).toEqual([]);
      expectSilent(await crashUnder(store));
      expect((await listing(store)).counters.map((c) => [c.program, c.count]).sort()).toEqual([
        ['fixture-cjs-nested', 2],
        ['other', 1],
      ]);
      rmSync(store, { recursive: true });
    });

    it('a week file whose last page is full: the write is cut short, one line; later crashes are counted, the old ones intact', async (ctx) => {
      if (!mounted) return ctx.skip(`cannot mount a tmpfs (${why}): needs root with CAP_SYS_ADMIN`);
      const store = join(mnt, 'b');
      // The crash's own counter name, recorded once by a real run, then 203 more increments of
      // it: 204 records are 4080 bytes, so the next 20-byte record crosses into a new page.
      expectSilent(await crashUnder(store));
      const name = (await listing(store)).counters[0]!.name;
      const s = openStore(store);
      for (let i = 0; i < 203; i++) s.increment(PROGRAM, name);
      const week = join(store, 'counters', programDirName(PROGRAM), `${weekKey(new Date())}.wdc`);
      const before = readFileSync(week);
      expect(before.length).toBe(4080);
      const filler = fill();
      const line = expectKeptAside(await crashUnder(store), 0);
      // 16 of the 20 bytes fit in the page; the increment did not happen, and the watchdog says
      // so: the crash is kept aside.
      expect(line).toMatch(/short write \(\d+ of 20 bytes\)|no space left on device/);
      rmSync(filler);
      expectSilent(await crashUnder(store));
      expect(held()).toEqual([]);
      expectSilent(await crashUnder(store));
      // Every earlier byte is as it was.
      expect(readFileSync(week).subarray(0, 4080).equals(before)).toBe(true);
      const l = await listing(store);
      expect(l.code).toBe(0);
      // The old 204, the crash held while the disk was full, and the two after.
      expect(total(l.counters)).toBe(204 + 1 + 2);
      // The start of the record cut short by the full disk stays in the file and is reported:
      // one line, a stretch shorter than a record where the 205th record began.
      // (docs/store.md, "A full disk").
      const cut = /short write \((\d+) of/.exec(line)?.[1];
      expect(l.stderrLines).toEqual(cut ? [expect.stringMatching(new RegExp(`\\.wdc: skipped ${cut} damaged bytes at offset 4080$`))] : []);
      rmSync(store, { recursive: true });
    });
  });

  describe('a store file replaced by a directory, a program directory by a file', () => {
    const cases = [
      { what: 'names.wdn is a directory', path: (pdir: string) => join(pdir, 'names.wdn'), make: (p: string) => mkdirSync(p), expect: /is a directory/, listing: 0, lines: 1 },
      { what: 'the week file is a directory', path: (pdir: string) => join(pdir, `${weekKey(new Date())}.wdc`), make: (p: string) => mkdirSync(p), expect: /is a directory/, listing: 0, lines: 1 },
      { what: 'the program directory is a file', path: (pdir: string) => pdir, make: (p: string) => writeFileSync(p, 'x'), expect: /not a directory/, listing: 0, lines: 0 },
      { what: 'counters/ is a file', path: (pdir: string) => join(pdir, '..'), make: (p: string) => writeFileSync(p, 'x'), expect: /not a directory|file already exists/, listing: 1, lines: 1 },
    ];

    it.each(cases)('$what: one line; once restored, recorded beside the old data', async (c) => {
      const store = join(tmp.dir, `replaced-${cases.indexOf(c)}`);
      expectSilent(await crashUnder(store));
      const pdir = join(store, 'counters', programDirName(PROGRAM));
      const target = c.path(pdir);
      const aside = `${target}.aside`;
      renameSync(target, aside);
      c.make(target);
      const line = expectKeptAside(await crashUnder(store), 0);
      expect(line).toMatch(c.expect);
      // The listing says what is wrong in one line; it exits 0, or 1 when the store's own
      // directory cannot be read (docs/store.md: the one error readers throw). A file where a
      // program directory should be is not the store's, and is skipped without a word.
      const during = await listing(store);
      expect(during.code).toBe(c.listing);
      expect(during.stderrLines.length).toBe(c.lines);
      // The listing could not record the held crash either, and kept it.
      expect(held().filter((f) => /\/held\./.test(f))).toHaveLength(1);
      rmSync(target, { recursive: true });
      renameSync(aside, target);
      // Two listings at once record the held crash, once.
      const both = await Promise.all([listing(store), listing(store)]);
      for (const l of both) expect([l.code, l.stderrLines]).toEqual([0, []]);
      expect(held()).toEqual([]);
      expect(await countOf(store)).toBe(2);
      expectSilent(await crashUnder(store));
      expect(await countOf(store)).toBe(3);
    });
  });
});
