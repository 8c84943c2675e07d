/**
 * The wrapped command comes first: exit status, death by signal, output and signals are what
 * they would be without the watchdog, and the watchdog's own trouble changes none of them.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, FIXTURES, recorded, tempStore, watchdog } from './cli.js';

const store = tempStore();
afterAll(() => store.remove());

describe('exit status', () => {
  it.each([0, 1, 2, 42, 126, 127, 255])('exit %i is passed through', async (code) => {
    const run = await watchdog(['--', 'sh', '-c', `exit ${code}`], store.dir);
    expect(run.exitCode).toBe(code);
    expect(String(run.stderr)).toBe('');
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGKILL', 'SIGSEGV', 'SIGABRT', 'SIGHUP', 'SIGPIPE', 'SIGUSR1'])('death by %s is reproduced', async (signal) => {
    const run = await watchdog(['--', 'sh', '-c', `kill -${signal.slice(3)} $$`], store.dir);
    expect(run.signal).toBe(signal);
    expect(run.exitCode).toBeUndefined();
  });

  it('a command that does not exist: one line, 127', async () => {
    const run = await watchdog(['--', 'watchdog-no-such-command'], store.dir);
    expect(run.exitCode).toBe(127);
    expect(String(run.stderr)).toBe('watchdog: watchdog-no-such-command: command not found');
  });

  it('a file that is not executable: one line, 126', async () => {
    const run = await watchdog(['--', join(FIXTURES, 'not-executable', 'tool.sh')], store.dir);
    expect(run.exitCode).toBe(126);
    expect(String(run.stderr)).toMatch(/^watchdog: .*tool\.sh: permission denied$/);
  });

  it('the watchdog own usage errors are one line and status 2', async () => {
    const run = await watchdog(['--no-such-option', '--', 'true'], store.dir);
    expect(run.exitCode).toBe(2);
    expect(String(run.stderr).split('\n')).toHaveLength(1);
  });
});

describe('the child runs as without the watchdog', () => {
  it('gets the same arguments, environment and working directory, plus the channel', async () => {
    const script = 'console.log(JSON.stringify({argv: process.argv.slice(1), cwd: process.cwd(), mine: process.env.MY_SETTING, fd: process.env.WATCHDOG_CRASH_FD, opts: process.env.NODE_OPTIONS}))';
    const run = await watchdog(['--', 'node', '-e', script, 'a b', '--flag', ''], store.dir, { cwd: FIXTURES, env: { MY_SETTING: 'kept', NODE_OPTIONS: '--no-warnings' } });
    const seen = JSON.parse(String(run.stdout)) as Record<string, unknown>;
    expect(seen.argv).toEqual(['a b', '--flag', '']);
    expect(seen.cwd).toBe(FIXTURES);
    expect(seen.mine).toBe('kept');
    expect(seen.fd).toBe('3');
    // The user's NODE_OPTIONS stay first; the preload is appended.
    expect(seen.opts).toMatch(/^--no-warnings --require=.*preload\.cjs/);
  });

  it('prints exactly what the crashing program prints without it, and exits the same', async () => {
    for (const fixture of ['cjs-nested', 'esm-throw', 'async-chain', 'rejection-non-error', 'handler-throws', 'class-method']) {
      const cwd = join(FIXTURES, fixture);
      const plain = await execa('node', ['main.js'], { cwd, reject: false });
      const wrapped = await watchdog(['--', 'node', 'main.js'], store.dir, { cwd });
      expect(String(wrapped.stderr), fixture).toBe(String(plain.stderr));
      expect(String(wrapped.stdout), fixture).toBe(String(plain.stdout));
      expect(wrapped.exitCode, fixture).toBe(plain.exitCode);
    }
  });

  it('prints the same under --enable-source-maps', async () => {
    const cwd = join(FIXTURES, 'ts-source-map');
    const plain = await execa('node', ['--enable-source-maps', 'out/main.js'], { cwd, reject: false });
    const wrapped = await watchdog(['--', 'node', '--enable-source-maps', 'out/main.js'], store.dir, { cwd });
    expect(String(wrapped.stderr)).toBe(String(plain.stderr));
    expect(String(plain.stderr)).toContain('src/render.ts');
  });
});

describe('signals', () => {
  // The watchdog runs in a session of its own (detached): run from a terminal, the test runner is
  // in the terminal's foreground process group, and the watchdog would rightly take a SIGINT
  // from the test for one the terminal also sent the child, and not forward it.
  it('forwards each signal sent to the watchdog to the child, once', async () => {
    const script = `for (const s of ['SIGINT','SIGTERM','SIGHUP','SIGQUIT','SIGUSR1','SIGUSR2','SIGWINCH']) process.on(s, () => { console.log(s); if (s === 'SIGTERM') setTimeout(() => process.exit(9), 50); }); console.log('ready'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, [CLI, '--', 'node', '-e', script], { env: { ...process.env, WATCHDOG_DIR: store.dir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    for (const s of ['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGTERM'] as const) {
      child.kill(s);
      await new Promise((r) => setTimeout(r, 150));
    }
    const code = await exited;
    expect(out.trim().split('\n')).toEqual(['ready', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGTERM']);
    expect(code).toBe(9);
  });

  it('waits for a child that ignores SIGTERM instead of orphaning it', async () => {
    const script = `process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setTimeout(() => process.exit(4), 700);`;
    const child = spawn(process.execPath, [CLI, '--', 'node', '-e', script], { env: { ...process.env, WATCHDOG_DIR: store.dir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGTERM');
    const code = await exited;
    expect(out).toBe('ready\nignored\n');
    expect(code).toBe(4);
  });
});

describe('the watchdog own trouble never changes the child', () => {
  // The crashes these stores refuse are held aside (src/crash/holding.ts): in the test's own
  // directory, not in the machine's /tmp, where nothing would ever collect them.
  const holding = { env: { XDG_RUNTIME_DIR: join(store.dir, 'runtime') } };
  mkdirSync(holding.env.XDG_RUNTIME_DIR, { mode: 0o700 });

  it('store is a file, not a directory: same output and status, one line', async () => {
    const blocker = join(store.dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const cwd = join(FIXTURES, 'cjs-nested');
    const plain = await execa('node', ['main.js'], { cwd, reject: false });
    const run = await watchdog(['--', 'node', 'main.js'], blocker, { cwd, ...holding });
    expect(run.exitCode).toBe(plain.exitCode);
    const extra = String(run.stderr).slice(String(plain.stderr).length);
    expect(String(run.stderr).startsWith(String(plain.stderr))).toBe(true);
    expect(extra).toMatch(/^\nwatchdog: [^\n]+$/);
  });

  it('store directory not writable: same status, one line, and the next run records', async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: use a path below a regular file instead.
      const run = await watchdog(['--', 'node', 'main.js'], join(store.dir, 'not-a-dir', 'sub'), { cwd: join(FIXTURES, 'cjs-nested'), ...holding });
      expect(run.exitCode).toBe(1);
      expect(String(run.stderr).trim().split('\n').filter((l) => l.startsWith('watchdog:'))).toHaveLength(1);
      return;
    }
    const locked = join(store.dir, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    const run = await watchdog(['--', 'node', 'main.js'], locked, { cwd: join(FIXTURES, 'cjs-nested'), ...holding });
    expect(run.exitCode).toBe(1);
    chmodSync(locked, 0o700);
  });
});

describe('recording', () => {
  it('concurrent watchdogs recording the same crash lose nothing', async () => {
    const own = tempStore();
    const cwd = join(FIXTURES, 'cjs-nested');
    const runs = await Promise.all(Array.from({ length: 8 }, () => watchdog(['--', 'node', 'main.js'], own.dir, { cwd })));
    expect(runs.every((r) => r.exitCode === 1)).toBe(true);
    const counters = await recorded(own.dir);
    own.remove();
    expect(counters).toHaveLength(1);
    expect(counters[0]!.count).toBe(8);
    expect(counters[0]!.program).toBe('fixture-cjs-nested');
  });

  it('--program overrides the identity', async () => {
    const own = tempStore();
    await watchdog(['--program', '@acme/tool@2.0.0', '--', 'node', 'main.js'], own.dir, { cwd: join(FIXTURES, 'cjs-nested') });
    await watchdog(['--program', 'plain', '--', 'sh', '-c', 'kill -SEGV $$'], own.dir);
    const counters = await recorded(own.dir);
    own.remove();
    expect(counters.map((c) => `${c.program}@${c.version}`).sort()).toEqual(['@acme/tool@2.0.0', 'plain@devel']);
  });

  it('a non-Node command is counted under its base name @devel', async () => {
    const own = tempStore();
    await watchdog(['--', '/bin/sh', '-c', 'kill -ABRT $$'], own.dir);
    const counters = await recorded(own.dir);
    own.remove();
    expect(counters).toEqual([expect.objectContaining({ program: 'sh', version: 'devel', name: 'crash/signal:SIGABRT', count: 1 })]);
  });

  it('store files are private: directories 0700, files 0600', async () => {
    const own = tempStore();
    await watchdog(['--', 'node', 'main.js'], own.dir, { cwd: join(FIXTURES, 'cjs-nested') });
    const env = await watchdog(['env', '--json'], own.dir);
    const files = (JSON.parse(String(env.stdout)) as { files: { path: string }[] }).files;
    expect(files.length).toBeGreaterThan(0);
    const { statSync } = await import('node:fs');
    for (const f of files) {
      const full = join(own.dir, f.path);
      expect((statSync(full).mode & 0o777).toString(8), f.path).toBe('600');
    }
    expect((statSync(join(own.dir, 'counters')).mode & 0o777).toString(8)).toBe('700');
    own.remove();
    expect(readFileSync).toBeDefined();
  });
});
