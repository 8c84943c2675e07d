/**
 * The package as a user gets it: `npm pack`, installed offline into a project below a home
 * directory that names the user, and run through `node_modules/.bin/watchdog` (a symbolic link to
 * dist/cli.cjs, whose first line is the shell launcher). The other end-to-end tests run the
 * built file in place; this one checks what only an install shows: the bin link, the launcher
 * finding its bundle through the link, the caller's ignored signals, and the code cache written
 * for the installed bundle without its path.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';

const USER = 'zed-wd-installed-user';
const work = mkdtempSync(join(tmpdir(), 'wd-installed-'));
const project = join(work, 'home', USER, 'proj');
const bin = join(project, 'node_modules', '.bin', 'watchdog');
const cacheHome = join(work, 'home', USER, '.cache');
const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(work, 'home', USER), WATCHDOG_DIR: join(work, 'store'), XDG_CACHE_HOME: cacheHome };
delete env.WATCHDOG_CRASH_FD;
delete env.NODE_OPTIONS;

function run(command: string, args: string[]): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd: project, env, encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  mkdirSync(project, { recursive: true });
  const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  expect(pack.status, pack.stderr).toBe(0);
  const tarball = join(work, pack.stdout.trim().split('\n').pop()!);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'installed-proj', version: '2.3.4' }));
  writeFileSync(join(project, 'crash.js'), "function explode() {\n  throw new Error('installed secret message');\n}\nexplode();\n");
  const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: project, env, encoding: 'utf8' });
  expect(install.status, install.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('installed with npm, run through node_modules/.bin/watchdog', () => {
  it('runs the command with its status and output, and records its crash', () => {
    const plain = run('node', ['crash.js']);
    const wrapped = run(bin, ['--', 'node', 'crash.js']);
    expect(wrapped.status).toBe(1);
    expect(wrapped.stderr).toBe(plain.stderr);
    const stacks = JSON.parse(run(bin, ['stacks', '--json']).stdout) as { program: string; version: string; name: string; count: number }[];
    expect(stacks.map((s) => [s.program, s.version, s.name, s.count])).toEqual([['installed-proj', '2.3.4', 'crash/crash\ncrash.js:explode:+1\ncrash.js:<module>:+3', 1]]);
  });

  it('keeps what the caller made the command ignore (as nohup and `cmd &` do)', () => {
    const probe = ['sh', '-c', 'grep SigIgn /proc/$$/status'];
    const plain = run('sh', ['-c', 'trap "" HUP INT QUIT; exec "$@"', 'sh', ...probe]);
    const wrapped = run('sh', ['-c', 'trap "" HUP INT QUIT; exec "$@"', 'sh', bin, '--', ...probe]);
    expect(plain.stdout).toMatch(/^SigIgn:\s+0*7\n$/);
    expect(wrapped.stdout).toBe(plain.stdout);
  });

  it('writes the code cache of the inspection commands for the installed bundle, without its path', () => {
    run(bin, ['counters']);
    const dir = join(cacheHome, 'watchdog');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const bytes = readFileSync(join(dir, files[0]!));
    for (const secret of [USER, work, project]) expect(bytes.includes(secret)).toBe(false);
  });

  it('--version names the packed version', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(run(bin, ['--version']).stdout).toBe(`watchdog ${version}\n`);
  });
});
