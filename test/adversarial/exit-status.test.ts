/**
 * The wrapped tool's status, reproduced exactly: every exit code 0-255 and death by each signal
 * a tool dies of, as a shell sees it (`$?`, and the shell's own "Killed"/"Segmentation fault"
 * line), and as waitpid() reports it to a parent.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from './helpers.js';

/** Runs `script` with bash in its own session; stdout and stderr. */
function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => resolve({ stdout, stderr }));
  });
}

describe('every exit status 0-255', () => {
  it('a shell sees the same $? through the watchdog (4 shells, each looping over a quarter)', { timeout: 120_000 }, async () => {
    const store = tempDir();
    const env = { ...process.env, WATCHDOG_DIR: store.dir, CLI, NODE: process.execPath };
    // Each shell prints "<n> <status>" per code; the test checks all 256 are there.
    const loop = (from: number) => `for n in $(seq ${from} 4 255); do "$NODE" "$CLI" -- sh -c "exit $n"; echo "$n $?"; done`;
    const outs = await Promise.all([0, 1, 2, 3].map((from) => bash(loop(from), env)));
    store.remove();
    const seen = new Map<number, number>();
    for (const { stdout, stderr } of outs) {
      expect(stderr).toBe(''); // the watchdog said nothing: no crash, no trouble
      for (const line of stdout.trim().split('\n')) {
        const [n, status] = line.split(' ').map(Number) as [number, number];
        seen.set(n, status);
      }
    }
    expect(seen.size).toBe(256);
    const wrong = [...seen].filter(([n, status]) => n !== status);
    expect(wrong).toEqual([]);
  });
});

describe('commands that cannot be started', () => {
  it('empty, not found, not a directory, a symlink loop, a name too long, a directory, no shebang: the $? bash gives, one line, never a stack', () => {
    const dir = tempDir();
    symlinkSync(`${dir.dir}/loop-b`, `${dir.dir}/loop-a`);
    symlinkSync(`${dir.dir}/loop-a`, `${dir.dir}/loop-b`);
    mkdirSync(`${dir.dir}/a-directory`);
    writeFileSync(`${dir.dir}/no-shebang`, 'exit 3\n');
    chmodSync(`${dir.dir}/no-shebang`, 0o755);
    const commands = ['', 'watchdog-adv-no-such-command', '/etc/passwd/x', `${dir.dir}/loop-a`, 'a'.repeat(5000), `/${'a'.repeat(5000)}`, `${dir.dir}/a-directory`, `${dir.dir}/no-shebang`];
    const env = { ...process.env, WATCHDOG_DIR: join(dir.dir, 'store'), CLI, NODE: process.execPath };
    for (const command of commands) {
      const viaBash = spawnSync('bash', ['-c', '"$1" 2>/dev/null; echo "status $?"', 'bash', command], { env, encoding: 'utf8' }).stdout;
      const wrapped = spawnSync(process.execPath, [CLI, '--', command], { env, encoding: 'utf8' });
      const label = command.length > 40 ? `${command.slice(0, 20)}...(${command.length})` : JSON.stringify(command);
      expect(`status ${wrapped.status}\n`, label).toBe(viaBash);
      if (wrapped.status === 126 || wrapped.status === 127) {
        expect(wrapped.stderr, label).toMatch(/^watchdog: [^\n]*\n$/);
        expect(wrapped.stderr, label).not.toMatch(/\n\s+at /);
      }
    }
    dir.remove();
  });
});

const SIGNALS = ['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTERM', 'SIGKILL', 'SIGINT'] as const;

/** bash's report of a death without the pid: `Segmentation fault      "$@"`. */
function deathLine(stderr: string): string {
  return stderr.replace(/^(.*): line \d+: +\d+ /gm, '$1: ');
}

describe('death by a signal', () => {
  it.each(SIGNALS)('%s: the same $? and the same line from the shell, the same signal for waitpid', async (signal) => {
    const store = tempDir();
    const env = { ...process.env, WATCHDOG_DIR: store.dir, CLI, NODE: process.execPath };
    const number = signal.slice(3);
    // No core files either way: the comparison is of statuses, not of dumps.
    // Both run through one function, so bash names the same command text in its report.
    const plain = await bash(`ulimit -c 0; run() { "$@"; }; run sh -c 'kill -${number} $$'; echo "status $?"`, env);
    const wrapped = await bash(`ulimit -c 0; run() { "$@"; }; run "$NODE" "$CLI" -- sh -c 'kill -${number} $$'; echo "status $?"`, env);
    expect(wrapped.stdout).toBe(plain.stdout);
    expect(plain.stdout).toMatch(/^status 1[2-5]\d\n$/);
    expect(deathLine(wrapped.stderr)).toBe(deathLine(plain.stderr));

    // And for a parent that waits: killed by that signal, no exit code.
    const direct = spawnSync(process.execPath, [CLI, '--', 'sh', '-c', `kill -${number} $$`], { env, stdio: 'ignore' });
    expect(direct.signal).toBe(signal);
    expect(direct.status).toBeNull();
    store.remove();
  });
});
