/**
 * Crashes with big source maps are mapped after the watchdog has returned to the shell, by a
 * detached collector, and never lost: the next listing shows the mapped stack, and a job left by
 * a collector that never ran is collected by the next listing.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, recorded, tempStore, watchdog } from './cli.js';

const MAPPED_TOP = 'src/render.ts:renderTemplate:+5';

/** The ts-source-map fixture, with render.js.map inflated past the deferral threshold (1 MiB). */
function bigMapProgram(dir: string): string {
  const app = join(dir, 'app');
  cpSync(join(FIXTURES, 'ts-source-map'), app, { recursive: true });
  const mapPath = join(app, 'out', 'render.js.map');
  const map = JSON.parse(readFileSync(mapPath, 'utf8')) as { sourcesContent?: string[] };
  map.sourcesContent = ['/*' + 'x'.repeat(1_500_000) + '*/'];
  writeFileSync(mapPath, JSON.stringify(map));
  return app;
}

describe('deferred symbolization', () => {
  const store = tempStore();
  const work = tempStore();
  afterAll(() => {
    store.remove();
    work.remove();
  });
  const app = bigMapProgram(work.dir);

  it('returns with the child status and the next listing shows the mapped stack', async () => {
    const run = await watchdog(['--', 'node', 'out/main.js'], store.dir, { cwd: app });
    expect(run.exitCode).toBe(1);
    const stacks = await recorded(store.dir, 'stacks');
    expect(stacks).toHaveLength(1);
    expect(stacks[0]!.name.split('\n')[1]).toBe(MAPPED_TOP);
    expect(stacks[0]!.program).toBe('fixture-ts-source-map');
    const spool = join(store.dir, 'reports');
    expect(existsSync(spool) ? readdirSync(spool) : []).toEqual([]);
  });

  it('a job claimed by a collector that died is counted once, by the next listing', async () => {
    const own = tempStore();
    const spool = join(own.dir, 'reports');
    mkdirSync(spool, { recursive: true, mode: 0o700 });
    const job = {
      watchdog: 1,
      job: 1,
      program: { name: 'fixture-ts-source-map', version: '1.0.0' },
      root: app,
      crash: {
        type: 'stack',
        kind: 'uncaughtException',
        errorClass: 'Error',
        runtime: 'node',
        runtimeVersion: process.version,
        entry: null,
        frames: [{ file: join(app, 'out', 'render.js'), function: 'renderTemplate', line: 9, column: 19, enclosingLine: 4, enclosingColumn: 1 }],
      },
    };
    // pid 2^22 + 1 is above Linux's pid_max limit: no live process holds this claim.
    writeFileSync(join(spool, `claimed.4194305.job.4194305.x1.json`), JSON.stringify(job), { mode: 0o600 });
    const stacks = await recorded(own.dir, 'stacks');
    const again = await recorded(own.dir, 'stacks');
    expect(stacks.map((s) => [s.count, s.name.split('\n')[1]])).toEqual([[1, MAPPED_TOP]]);
    expect(again.map((s) => s.count)).toEqual([1]);
    expect(readdirSync(spool)).toEqual([]);
    own.remove();
  });
});
