/**
 * A store that cannot be written: below a regular file, permission denied (the watchdog run as
 * an ordinary user), a read-only file system, a full file system, a store file replaced by a
 * directory, a program directory replaced by a file. In every case the crashing child's output
 * and status are exactly those of a run without the watchdog, the watchdog says one line, and
 * once the condition is fixed the next crash is recorded beside the old data, which is intact.
 *
 * Not done (by design, see the closing report of issue 5): a crash that could not be recorded
 * is not kept aside to be recorded later.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programDirName } from '../../src/counter/encoding.js';
import { openStore } from '../../src/counter/store.js';
import { weekKey } from '../../src/counter/week.js';
import { FIXTURES, expectPrivate, finished, listing, startWatchdog, tempDir, total } from './helpers.js';

const CWD = join(FIXTURES, 'cjs-nested');
const PROGRAM = { name: 'fixture-cjs-nested', version: '1.0.0' };
const tmp = tempDir();
afterAll(() => tmp.remove());

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
    expect(expectOneLine(await crashUnder(store))).toMatch(/not a directory/);
    rmSync(join(base, 'data'));
    expectSilent(await crashUnder(store));
    expect(await countOf(store)).toBe(1);
    expectPrivate(store);
  });

  it('permission denied (EACCES, the watchdog running as nobody): one line; once writable, recorded beside the old data', async () => {
    if (process.getuid?.() !== 0) return; // needs root to become another user; as a user, the chmod case below is this one
    const nobody = { uid: 65534, gid: 65534 };
    const store = join(tmp.dir, 'eacces');
    chmodSync(tmp.dir, 0o711); // nobody may pass through the test's own directory
    mkdirSync(store);
    chownSync(store, nobody.uid, nobody.gid);
    const plainAsNobody = await plainRun(nobody);
    expectSilent(await crashUnder(store, nobody), plainAsNobody);
    const pdir = join(store, 'counters', programDirName(PROGRAM));
    const old = readdirSync(pdir).map((f) => [f, readFileSync(join(pdir, f))] as const);
    // The store made read-only for its owner: directory and files.
    for (const [f] of old) chmodSync(join(pdir, f), 0o400);
    chmodSync(pdir, 0o500);
    expect(expectOneLine(await crashUnder(store, nobody), plainAsNobody)).toMatch(/permission denied/);
    chmodSync(pdir, 0o700);
    for (const [f] of old) chmodSync(join(pdir, f), 0o600);
    expectSilent(await crashUnder(store, nobody), plainAsNobody);
    for (const [f, bytes] of old) expect(readFileSync(join(pdir, f)).subarray(0, bytes.length).equals(bytes), f).toBe(true);
    expect(await countOf(store)).toBe(2);
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
      expect(expectOneLine(await crashUnder(store))).toMatch(/read-only file system/);
      // Reading still works, and says nothing.
      expect(await countOf(store)).toBe(1);
    } finally {
      spawnSync('umount', [store]);
    }
    expectSilent(await crashUnder(store));
    expect(await countOf(store)).toBe(2);
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
      expect(expectOneLine(await crashUnder(store))).toMatch(/no space left on device/);
      rmSync(filler);
      expectSilent(await crashUnder(store));
      const l = await listing(store);
      expect(l.stderrLines).toEqual([]);
      expect(l.counters.map((c) => [c.program, c.count]).sort()).toEqual([
        ['fixture-cjs-nested', 1],
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
      const line = expectOneLine(await crashUnder(store));
      // 16 of the 20 bytes fit in the page; the increment is lost, and the watchdog says so.
      expect(line).toMatch(/short write \(\d+ of 20 bytes\)|no space left on device/);
      rmSync(filler);
      expectSilent(await crashUnder(store));
      expectSilent(await crashUnder(store));
      // Every earlier byte is as it was.
      expect(readFileSync(week).subarray(0, 4080).equals(before)).toBe(true);
      const l = await listing(store);
      expect(l.code).toBe(0);
      expect(total(l.counters)).toBe(204 + 2);
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
      const line = expectOneLine(await crashUnder(store));
      expect(line).toMatch(c.expect);
      // The listing says what is wrong in one line; it exits 0, or 1 when the store's own
      // directory cannot be read (docs/store.md: the one error readers throw). A file where a
      // program directory should be is not the store's, and is skipped without a word.
      const during = await listing(store);
      expect(during.code).toBe(c.listing);
      expect(during.stderrLines.length).toBe(c.lines);
      rmSync(target, { recursive: true });
      renameSync(aside, target);
      expectSilent(await crashUnder(store));
      expect(await countOf(store)).toBe(2);
    });
  });
});
