/**
 * Time and memory stay bounded on the inputs no fuzzer generates by chance: a 10 MB single line,
 * a million frames of every runtime's format, records with a million frames, nesting a million
 * deep and `__proto__` keys, source maps with 10 MB of mappings or a million sources, 16 MB of
 * noise for the store decoders (limits-driver.ts lists them).
 *
 * Each case runs in a process of its own, bundled from the sources, with a 512 MiB heap cap: an
 * exception fails it, unbounded memory exhausts the heap, unbounded time hits the timeout. The
 * peak resident set (VmHWM) is reported and bounded; it includes the inputs themselves (tens of
 * MB each, as UTF-16 where they must be).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
let driver = '';

beforeAll(async () => {
  driver = join(tmp.dir, 'limits-driver.cjs');
  await build({ entryPoints: [join(import.meta.dirname, 'limits-driver.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: driver, logLevel: 'error' });
});

const CASES = ['a 10 MB single line', 'a million frames of every runtime', 'records: a million frames, deep nesting, __proto__ keys', 'source maps: 10 MB of mappings, huge tables, nesting'];
/** Per case, on a loaded 2-core machine: every parser over every input of the case. */
const CASE_SECONDS = 60;
const PEAK_MIB = 400;

describe('parsers on huge and pathological inputs, in a capped process', () => {
  it('the driver lists the cases the test runs', () => {
    const r = spawnSync(process.execPath, [driver, 'list'], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toEqual(CASES);
  });

  it.each(CASES)('%s: no exception, bounded time and memory, no prototype touched', (name) => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=512', '--stack-size=984', driver, name], { encoding: 'utf8', timeout: CASE_SECONDS * 1000, maxBuffer: 1 << 20 });
    expect(r.error, String(r.error)).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { ms: number; hwmMiB: number; inputs: number; slowest: [string, number][]; polluted: string[] };
    console.log(`limits: ${name}: ${out.inputs} inputs, ${out.ms} ms, peak ${out.hwmMiB} MiB, slowest ${JSON.stringify(out.slowest)}`);
    expect(out.polluted).toEqual([]);
    expect(out.hwmMiB).toBeLessThan(PEAK_MIB);
    // No single parser call may take more than a few seconds, whatever the input (they take
    // under one on an idle machine: the bound leaves room for a loaded one).
    expect(out.slowest[0]![1]).toBeLessThan(10_000);
  }, (CASE_SECONDS + 5) * 1000);
});
