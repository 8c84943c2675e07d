/**
 * The inspection commands load their bundle through V8's code cache (src/cli/code-cache.ts):
 * the cache is written once, used after, never used for another build of the bundle, checked by
 * V8 (the launcher's --verify-snapshot-checksum), and never a reason for a command to fail or
 * print anything.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/counter/store.js';
import { CLI, ROOT, tempStore } from './cli.js';

const work = mkdtempSync(join(tmpdir(), 'wd-code-cache-'));
const store = tempStore();
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  store.remove();
});
beforeAll(() => {
  const s = openStore(store.dir);
  s.increment({ name: 'tool', version: '1.0.0' }, 'crash/crash\nsrc/a.js:f:+1');
  s.increment({ name: 'tool', version: '1.0.0' }, 'crash/crash\nsrc/a.js:f:+1');
});

let homes = 0;
function cacheHome(): string {
  return join(work, `cache-${homes++}`);
}

function run(args: string[], home: string, extra: Record<string, string> = {}, cli = CLI): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cli, args, { env: { ...process.env, WATCHDOG_DIR: store.dir, XDG_CACHE_HOME: home, ...extra }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cacheFiles(home: string): string[] {
  try {
    return readdirSync(join(home, 'watchdog'));
  } catch {
    return [];
  }
}

describe('the code cache of the inspection commands', () => {
  it('is written by the first listing, private, and the answer is the same with it as without', () => {
    const home = cacheHome();
    const without = run(['stacks', '--json'], home, { WATCHDOG_CODE_CACHE: '0' });
    expect(cacheFiles(home)).toEqual([]);
    const first = run(['stacks', '--json'], home);
    const files = cacheFiles(home);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^commands\.cjs-v\d+\.\d+\.\d+-\w+-\d+-\d+-\d+\.v8$/);
    expect(statSync(join(home, 'watchdog')).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'watchdog', files[0]!)).mode & 0o777).toBe(0o600);
    // V8 writes the script's name into the cache: not the install path (it may hold a user name).
    expect(readFileSync(join(home, 'watchdog', files[0]!)).includes(ROOT)).toBe(false);
    const second = run(['stacks', '--json'], home);
    for (const r of [without, first, second]) expect(r).toEqual({ status: 0, stdout: without.stdout, stderr: '' });
    expect(JSON.parse(without.stdout)[0].count).toBe(2);
  });

  it('is not written again once it is there', () => {
    const home = cacheHome();
    run(['counters'], home);
    const [file] = cacheFiles(home);
    const before = statSync(join(home, 'watchdog', file!));
    run(['counters'], home);
    const after = statSync(join(home, 'watchdog', file!));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('a damaged cache file: rejected, the command answers as always, and the file is made again', () => {
    const home = cacheHome();
    const expected = run(['stacks'], home).stdout;
    const [file] = cacheFiles(home);
    const path = join(home, 'watchdog', file!);
    const good = readFileSync(path);
    const damages = [
      Buffer.alloc(0),
      Buffer.from('not a cache'),
      Buffer.alloc(good.length, 0xa5),
      // Power lost after the rename, before the data: the right length, zeros after the header.
      // Without the checksum flag V8 takes this one and dies of it (SIGTRAP).
      Buffer.concat([good.subarray(0, 64), Buffer.alloc(good.length - 64)]),
      // One bit.
      Buffer.from(good.map((b, i) => (i === good.length >> 1 ? b ^ 1 : b))),
    ];
    for (const damage of damages) {
      writeFileSync(path, damage);
      expect(run(['stacks'], home)).toEqual({ status: 0, stdout: expected, stderr: '' });
      expect(readFileSync(path).length).toBeGreaterThan(1000);
    }
  });

  it('a rebuilt bundle of the same length never runs the old one\'s cached code', () => {
    const home = cacheHome();
    const dist = join(work, 'dist-copy');
    cpSync(join(ROOT, 'dist'), dist, { recursive: true });
    const cli = join(dist, 'cli.cjs');
    const before = run(['stacks', '--help'], home, {}, cli);
    expect(before.stdout).toMatch(/^Usage: watchdog stacks/m);
    // The same bundle with one word changed, same length: V8 alone would take the old cache.
    const bundle = join(dist, 'commands.cjs');
    const text = readFileSync(bundle, 'utf8');
    writeFileSync(bundle, text.replace('Usage: watchdog stacks', 'USAGE: watchdog stacks'));
    expect(readFileSync(bundle, 'utf8').length).toBe(text.length);
    const after = run(['stacks', '--help'], home, {}, cli);
    expect(after.stdout).toMatch(/^USAGE: watchdog stacks/m);
    // The old build's cache was replaced, not kept beside it.
    expect(cacheFiles(home)).toHaveLength(1);
  });

  it('is used only under the checksum flag the launcher passes: `node dist/cli.cjs stacks` compiles as usual', () => {
    const home = cacheHome();
    const r = spawnSync(process.execPath, [CLI, 'stacks'], { env: { ...process.env, WATCHDOG_DIR: store.dir, XDG_CACHE_HOME: home }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(cacheFiles(home)).toEqual([]);
  });

  it('a cache directory that cannot be made: the command works and says nothing', () => {
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, '');
    expect(run(['stacks', '--json'], blocker)).toMatchObject({ status: 0, stderr: '' });
  });
});
