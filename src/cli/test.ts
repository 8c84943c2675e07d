/**
 * `watchdog test [DIR]`: crash fixtures for maintainers of any tool. Each subdirectory of DIR
 * with a fixture.json is one fixture: its command runs under the watchdog (the real CLI, in its
 * own process) with a fresh temporary store, and what was recorded is compared with the golden
 * file expected.txt beside it, together with the exit status. `--update` rewrites the golden files.
 *
 * fixture.json: { "command": ["node", "main.js"], "exit": 1 } or { ..., "signal": "SIGSEGV" };
 * optional "program": "name@version" (passed as --program), "options": [...] (more watchdog
 * options, e.g. "--capture-stderr"), "env": {...}, "timeoutSeconds" (default 60), "maxSeconds"
 * (the run must finish within it, e.g. while a grandchild lingers), "requires": ["go>=1.23"]
 * (tools that must be on PATH, else the fixture is skipped, saying why), "skip": "reason".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readStore } from '../counter/read.js';
import { summarise } from './counter-listing.js';
import { formatGolden, fromSummaries, parseGolden, type GoldenCounter } from './golden.js';
import { parseOptions, UsageError } from './options.js';
import { paint, useColour } from './terminal.js';

export const TEST_USAGE = `Usage: watchdog test [DIR] [--update] [--json] [--filter TEXT]

Runs every fixture in DIR (default: ./fixtures) under the watchdog with a temporary store and
compares the recorded counters and the exit status with the fixture's golden file expected.txt.
A fixture is a directory holding fixture.json:
  {"command": ["node", "main.js"], "exit": 1}        or  {"command": [...], "signal": "SIGSEGV"}
  optional: "program": "NAME@VERSION", "options": ["--capture-stderr"], "env": {...},
            "timeoutSeconds": 60, "maxSeconds": 5, "requires": ["go>=1.23"], "skip": "why"
--update rewrites each expected.txt from what was recorded; --json prints the results as JSON.
The last line says "N passed, N failed".`;

interface FixtureSpec {
  command: string[];
  exit?: number;
  signal?: string;
  program?: string;
  options?: string[];
  requires?: string[];
  env?: Record<string, string>;
  timeoutSeconds?: number;
  maxSeconds?: number;
  skip?: string;
}

export interface FixtureResult {
  fixture: string;
  status: 'passed' | 'failed' | 'skipped' | 'updated';
  problems: string[];
  seconds: number;
  recorded: GoldenCounter[];
}

function readSpec(dir: string): FixtureSpec {
  const spec = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as FixtureSpec;
  if (!Array.isArray(spec.command) || spec.command.length === 0 || !spec.command.every((w) => typeof w === 'string')) {
    throw new Error('fixture.json: "command" must be a non-empty array of strings');
  }
  return spec;
}

/** Why a fixture cannot run here (a required tool is missing or too old), or null. */
function missingRequirement(requires: readonly string[] = []): string | null {
  for (const requirement of requires) {
    const [, tool = requirement, wanted] = /^([\w.-]+)(?:>=(\d+(?:\.\d+)*))?$/.exec(requirement) ?? [];
    const probe = spawnSync(tool, [tool === 'go' ? 'version' : '--version'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.error || probe.status !== 0) return `needs ${tool}, not found on PATH`;
    if (wanted === undefined) continue;
    const have = /(\d+(?:\.\d+)+)/.exec(probe.stdout)?.[1] ?? '0';
    if (compareVersions(have, wanted) < 0) return `needs ${tool} ${wanted} or newer, found ${have}`;
  }
  return null;
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function describeExit(code: number | undefined, signal: string | undefined): string {
  return signal ? `signal ${signal}` : `exit ${code ?? 0}`;
}

async function runFixture(cli: string, dir: string, update: boolean): Promise<FixtureResult> {
  const fixture = dir.split('/').pop()!;
  const started = performance.now();
  const result = (status: FixtureResult['status'], problems: string[], recorded: GoldenCounter[] = []): FixtureResult => ({
    fixture,
    status,
    problems,
    seconds: Math.round(performance.now() - started) / 1000,
    recorded,
  });
  let spec: FixtureSpec;
  try {
    spec = readSpec(dir);
  } catch (error) {
    return result('failed', [(error as Error).message]);
  }
  if (spec.skip) return result('skipped', [spec.skip]);
  const missing = missingRequirement(spec.requires);
  if (missing !== null) return result('skipped', [missing]);
  const store = mkdtempSync(join(tmpdir(), 'watchdog-test-'));
  try {
    const { execa } = await import('execa');
    const programArgs = spec.program ? ['--program', spec.program] : [];
    const run = await execa(process.execPath, [cli, ...programArgs, ...(spec.options ?? []), '--', ...spec.command], {
      cwd: dir,
      env: { ...spec.env, WATCHDOG_DIR: store },
      reject: false,
      stdin: 'ignore',
      timeout: (spec.timeoutSeconds ?? 60) * 1000,
      maxBuffer: 4 * 1024 * 1024,
      encoding: 'utf8',
    });
    const seconds = (performance.now() - started) / 1000;
    const problems: string[] = [];
    if (run.timedOut) problems.push(`timed out after ${spec.timeoutSeconds ?? 60} s`);
    const got = describeExit(run.exitCode, run.signal);
    const want = describeExit(spec.exit, spec.signal);
    if (got !== want) problems.push(`expected ${want}, got ${got}`);
    if (spec.maxSeconds !== undefined && seconds > spec.maxSeconds) problems.push(`took ${seconds.toFixed(1)} s, more than ${spec.maxSeconds} s`);
    const { rows, damage } = readStore(store, {});
    problems.push(...damage.map((d) => `store damage: ${d}`));
    const recorded = fromSummaries(summarise(rows));
    const goldenPath = join(dir, 'expected.txt');
    if (update) {
      writeFileSync(goldenPath, formatGolden(recorded));
      return result(problems.length ? 'failed' : 'updated', problems, recorded);
    }
    const expected = existsSync(goldenPath) ? formatGolden(parseGolden(readFileSync(goldenPath, 'utf8'))) : null;
    const actual = formatGolden(recorded);
    if (expected === null) problems.push('no expected.txt (run with --update to write it)');
    else if (expected !== actual) problems.push(`recorded counters differ from expected.txt:\n--- expected\n${expected}--- recorded\n${actual}`);
    return result(problems.length ? 'failed' : 'passed', problems, recorded);
  } catch (error) {
    return result('failed', [(error as Error).message]);
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

export async function test(argv: readonly string[], cli: string): Promise<number> {
  const options = parseOptions('test', argv, { flags: ['update', 'json'], values: ['filter'], maxPositionals: 1 });
  if (options.flags.has('help')) {
    process.stdout.write(`${TEST_USAGE}\n`);
    return 0;
  }
  const root = resolve(options.positionals[0] ?? 'fixtures');
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`test: ${root} is not a directory`);
  const filter = options.values.get('filter');
  const dirs = readdirSync(root)
    .filter((name) => (filter === undefined || name.includes(filter)) && existsSync(join(root, name, 'fixture.json')))
    .sort()
    .map((name) => join(root, name));
  if (dirs.length === 0) throw new UsageError(`test: no fixtures (directories with fixture.json) in ${root}`);
  const p = paint(useColour() && !options.flags.has('json'));
  const results: FixtureResult[] = [];
  // Two at a time: fixtures are whole processes, and these machines have two cores.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < dirs.length) {
      const dir = dirs[next++]!;
      const r = await runFixture(cli, dir, options.flags.has('update'));
      results.push(r);
      if (!options.flags.has('json')) {
        const mark = r.status === 'failed' ? p.bold('FAIL') : r.status === 'skipped' ? 'skip' : r.status === 'updated' ? 'upd ' : 'ok  ';
        process.stdout.write(`${mark} ${r.fixture} (${r.seconds.toFixed(1)} s)${r.problems.length ? `\n     ${r.problems.join('\n     ').replace(/\n/g, '\n     ')}` : ''}\n`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
  results.sort((a, b) => a.fixture.localeCompare(b.fixture));
  const failed = results.filter((r) => r.status === 'failed').length;
  const passed = results.filter((r) => r.status === 'passed' || r.status === 'updated').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  if (options.flags.has('json')) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return failed > 0 ? 1 : 0;
}
