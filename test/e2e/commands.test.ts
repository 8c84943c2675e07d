/** The inspection commands as a person or a script uses them. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMIT } from '../../src/cli/counter-listing.js';
import { openStore } from '../../src/counter/store.js';
import { FIXTURES, recorded, tempStore, watchdog } from './cli.js';

const store = tempStore();
afterAll(() => store.remove());

beforeAll(async () => {
  for (let i = 0; i < 3; i++) await watchdog(['--', 'node', 'main.js'], store.dir, { cwd: join(FIXTURES, 'cjs-nested') });
  await watchdog(['--', 'node', 'main.js'], store.dir, { cwd: join(FIXTURES, 'class-method') });
  await watchdog(['--', 'node', 'main.js'], store.dir, { cwd: join(FIXTURES, 'segfault') });
}, 60_000);

describe('watchdog stacks', () => {
  it('--json lists program, version, name and count, most frequent first', async () => {
    const stacks = await recorded(store.dir, 'stacks');
    expect(stacks.map((s) => [s.program, s.count])).toEqual([
      ['fixture-cjs-nested', 3],
      ['fixture-class-method', 1],
      ['fixture-segfault', 1],
    ]);
    for (const s of stacks) {
      expect(s.version).toBe('1.0.0');
      expect(s.weeks).toHaveLength(1);
      expect(s.weeks[0]).toMatch(/^\d{4}-W\d{2}$/);
    }
    expect(stacks[0]!.name.split('\n')[0]).toBe('crash/crash');
  });

  it('prints a readable listing without colour when not on a terminal', async () => {
    const run = await watchdog(['stacks'], store.dir);
    expect(run.exitCode).toBe(0);
    const out = String(run.stdout);
    expect(out).not.toContain('\u001b[');
    expect(out).toMatch(/^3 {2}fixture-cjs-nested@1\.0\.0 {2}\d{4}-W\d{2}\n {3}crash\/crash\n/);
  });

  it('filters by --program and --since', async () => {
    const only = JSON.parse(String((await watchdog(['stacks', '--json', '--program', 'fixture-class-method'], store.dir)).stdout)) as unknown[];
    expect(only).toHaveLength(1);
    const future = JSON.parse(String((await watchdog(['stacks', '--json', '--since', '2999-01-01'], store.dir)).stdout)) as unknown[];
    expect(future).toEqual([]);
    const recent = JSON.parse(String((await watchdog(['stacks', '--json', '--since', '7d'], store.dir)).stdout)) as unknown[];
    expect(recent).toHaveLength(3);
  });

  it('rejects a bad --since with one line and status 2', async () => {
    const run = await watchdog(['stacks', '--since', 'yesterday'], store.dir);
    expect(run.exitCode).toBe(2);
    expect(String(run.stderr)).toMatch(/^watchdog: --since takes a date/);
  });

  it('says so when nothing is recorded', async () => {
    const empty = tempStore();
    const run = await watchdog(['stacks'], empty.dir);
    empty.remove();
    expect(String(run.stdout)).toMatch(/^no crashes recorded/);
  });
});

describe('the other commands', () => {
  it('counters --json has the same shape', async () => {
    const all = await recorded(store.dir, 'counters');
    expect(all.find((c) => c.name === 'crash/signal:SIGSEGV')?.count).toBe(1);
  });

  it('env names the store and its files', async () => {
    const run = await watchdog(['env', '--json'], store.dir);
    const env = JSON.parse(String(run.stdout)) as { store: string; source: string; files: unknown[] };
    expect(env.store).toBe(store.dir);
    expect(env.source).toBe('WATCHDOG_DIR');
    expect(env.files.length).toBeGreaterThanOrEqual(2);
    expect(env).toMatchObject({ problem: null, held: [] });
  });

  it('env on a store it cannot read: everything else it knows, the problem in one field, exit 0', async () => {
    const base = tempStore();
    writeFileSync(join(base.dir, 'data'), 'a regular file');
    const below = join(base.dir, 'data', 'watchdog');
    const run = await watchdog(['env', '--json'], below, { env: { XDG_CACHE_HOME: '/nonexistent-cache' } });
    expect(run.exitCode).toBe(0);
    const env = JSON.parse(String(run.stdout)) as Record<string, unknown>;
    expect(env).toMatchObject({ store: below, files: [], held: [], codeCache: '/nonexistent-cache/watchdog' });
    expect(env.problem).toMatch(/not a directory$/);
    const text = await watchdog(['env'], below);
    expect(String(text.stdout)).toMatch(/^files: +none read: cannot read directory .*: not a directory$/m);
    base.remove();
  });

  it('dump shows records as they are on disk', async () => {
    const run = await watchdog(['dump'], store.dir);
    expect(run.exitCode).toBe(0);
    expect(String(run.stdout)).toContain('crash/crash');
  });

  it.each(['stacks', 'counters', 'dump', 'env', 'test'])('%s --help explains itself', async (command) => {
    const run = await watchdog([command, '--help'], store.dir);
    expect(run.exitCode).toBe(0);
    expect(String(run.stdout)).toMatch(new RegExp(`^Usage: watchdog ${command}`));
  });

  it('--help and --version', async () => {
    expect(String((await watchdog(['--help'], store.dir)).stdout)).toContain('watchdog [options] -- <command> [args...]');
    expect(String((await watchdog(['--version'], store.dir)).stdout)).toMatch(/^watchdog \d+\.\d+\.\d+$/);
  });
});

describe('listings for people: the most frequent first, then how many more', () => {
  const many = tempStore();
  afterAll(() => many.remove());
  const CLOSED = new Date('2025-03-05T12:00:00Z'); // a week long closed
  beforeAll(() => {
    const store = openStore(many.dir);
    const tool = { name: 'many-stacks', version: '1.0.0' };
    // 25 stacks counted 1 to 25 times, half in a closed week; one counter that is not a crash.
    for (let i = 1; i <= 25; i++) {
      store.increment(tool, `crash/crash\nsrc/s${i}.ts:f:+${i}`, Math.ceil(i / 2), CLOSED);
      store.increment(tool, `crash/crash\nsrc/s${i}.ts:f:+${i}`, Math.floor(i / 2) || 1);
    }
    store.increment(tool, 'other/counter', 1000);
  });
  const blocks = (out: string): string[] => out.trimEnd().split('\n\n');

  it(`stacks shows ${DEFAULT_LIMIT}, then a line saying how many more and how to see them`, async () => {
    const run = await watchdog(['stacks'], many.dir);
    expect(run.exitCode).toBe(0);
    const b = blocks(String(run.stdout));
    expect(b).toHaveLength(DEFAULT_LIMIT + 1);
    expect(b[0]).toMatch(/^25 {2}many-stacks@1\.0\.0 {2}2025-W10\.\.\d{4}-W\d\d \(2 weeks\)\n {4}crash\/crash\n {6}src\/s25\.ts:f:\+25$/);
    expect(b[DEFAULT_LIMIT]).toBe('… 5 more (watchdog stacks --all, or --limit N)');
    // The snapshot of the closed week was written on the way.
    const env = JSON.parse(String((await watchdog(['env', '--json'], many.dir)).stdout)) as { files: { path: string; kind: string }[] };
    expect(env.files.filter((f) => f.kind === 'summary').map((f) => f.path)).toEqual(['counters/many-stacks@1.0.0/summary.wds']);
    expect(String((await watchdog(['dump'], many.dir)).stdout)).toMatch(/summary\.wds: \d+ bytes\n +0 {2}snapshot taken .*: 1 closed week, 2025-W10\.\.2025-W10, and \d+ bytes of \d{4}-W\d\d,/);
    expect(String((await watchdog(['stacks'], many.dir)).stdout)).toBe(String(run.stdout));
  });

  it('--limit N shows N, --all shows every one, --json prints them all', async () => {
    const three = blocks(String((await watchdog(['stacks', '--limit', '3'], many.dir)).stdout));
    expect(three.map((b) => b.split(' ')[0])).toEqual(['25', '24', '23', '…']);
    expect(three[3]).toBe('… 22 more (watchdog stacks --all, or --limit N)');
    const all = blocks(String((await watchdog(['stacks', '--all'], many.dir)).stdout));
    expect(all).toHaveLength(25);
    expect(all.every((b) => !b.startsWith('…'))).toBe(true);
    expect(JSON.parse(String((await watchdog(['stacks', '--json'], many.dir)).stdout))).toHaveLength(25);
    expect(JSON.parse(String((await watchdog(['stacks', '--json', '--limit', '2'], many.dir)).stdout))).toHaveLength(2);
    const counters = blocks(String((await watchdog(['counters'], many.dir)).stdout));
    expect(counters[0]).toMatch(/^1000 {2}many-stacks@1\.0\.0 {2}\d{4}-W\d\d\n {6}other\/counter$/);
    expect(counters[DEFAULT_LIMIT]).toBe('… 6 more (watchdog counters --all, or --limit N)');
  });

  it('rejects a bad --limit, and --all with --limit, with one line and status 2', async () => {
    for (const args of [['--limit', '0'], ['--limit', 'x'], ['--limit', '-3'], ['--all', '--limit', '3']]) {
      const run = await watchdog(['stacks', ...args], many.dir);
      expect(run.exitCode, args.join(' ')).toBe(2);
      expect(String(run.stderr)).toMatch(/^watchdog: [^\n]*(--limit takes a whole number from 1 on|--all and --limit exclude each other)[^\n]*$/);
    }
  });
});
