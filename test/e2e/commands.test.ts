/** The inspection commands as a person or a script uses them. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
