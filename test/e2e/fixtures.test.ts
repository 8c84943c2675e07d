/**
 * Every shipped crash fixture, run through the real CLI by `watchdog test`: recorded counters
 * must equal each fixture's golden file, and the exit status must be the child's.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, FIXTURES, tempStore, watchdog } from './cli.js';

interface FixtureResult {
  fixture: string;
  status: string;
  problems: string[];
}

const fixtures = readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, 'fixture.json')));

describe('watchdog test fixtures/', () => {
  let results: Map<string, FixtureResult>;

  beforeAll(async () => {
    const store = tempStore();
    const run = await watchdog(['test', FIXTURES, '--json'], store.dir, { timeout: 110_000 });
    store.remove();
    const parsed = JSON.parse(String(run.stdout)) as FixtureResult[];
    results = new Map(parsed.map((r) => [r.fixture, r]));
  }, 120_000);

  it('finds every fixture', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    expect([...results.keys()].sort()).toEqual([...fixtures].sort());
  });

  it.each(fixtures)('%s records what its golden file says, with the child status', (name) => {
    const result = results.get(name);
    expect(result, `no result for ${name}`).toBeDefined();
    if (result!.status === 'skipped') {
      // Only a fixture whose required toolchain is missing here may be skipped (e.g. Go 1.23).
      expect(result!.problems.join('\n')).toMatch(/^needs \S+/);
      return;
    }
    expect(result!.problems.join('\n')).toBe('');
    expect(result!.status).toBe('passed');
  });

  it('prints the plain closing line for people', async () => {
    const store = tempStore();
    const run = await watchdog(['test', FIXTURES, '--filter', 'clean-exit'], store.dir);
    store.remove();
    expect(run.exitCode).toBe(0);
    expect(String(run.stdout)).toMatch(/^1 passed, 0 failed$/m);
    expect(CLI).toContain('dist');
  });
});
