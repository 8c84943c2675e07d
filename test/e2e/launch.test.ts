/**
 * Which way the built CLI starts its command (src/run/launch.ts): libuv's handles, without
 * loading node:child_process (and with it net and stream), unless only child_process will do;
 * and either way the command runs the same.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'watchdog-launch-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Loaded into the watchdog only (node -r), never into its child: at exit, writes which of
// Node's own modules the watchdog loaded.
const probe = join(dir, 'probe.cjs');
writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.moduleLoadList)));\n`);

let n = 0;
async function watchdogModules(args: string[], env: Record<string, string> = {}): Promise<{ modules: string[]; exitCode: number | undefined; stdout: string; stderr: string }> {
  const out = join(dir, `modules-${++n}.json`);
  const run = await execa(process.execPath, ['-r', probe, CLI, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { WATCHDOG_DIR: join(dir, 'store'), PROBE_OUT: out, ...env },
  });
  return { modules: JSON.parse(readFileSync(out, 'utf8')) as string[], exitCode: run.exitCode, stdout: String(run.stdout), stderr: String(run.stderr) };
}

describe('starting the command', () => {
  it.runIf(process.versions.node.split('.')[0] === '20')('a run loads neither node:child_process nor node:net (Node 20, where the handles were checked)', async () => {
    const run = await watchdogModules(['--', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    expect(run.exitCode).toBe(5);
    expect([run.stdout, run.stderr]).toEqual(['out', 'err']);
    expect(run.modules).not.toContain('NativeModule child_process');
    expect(run.modules).not.toContain('NativeModule net');
  });

  it.runIf(process.versions.node.split('.')[0] === '20')('--capture-stderr too, and the crash path: a failing run with a crash text on stderr loads neither', async () => {
    const run = await watchdogModules(['--capture-stderr', '--', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    expect(run.exitCode).toBe(5);
    expect([run.stdout, run.stderr]).toEqual(['out', 'err']);
    expect(run.modules).not.toContain('NativeModule child_process');
    expect(run.modules).not.toContain('NativeModule net');
  });

  it('--capture-stderr through node:child_process (the fallback) passes everything on too', async () => {
    const run = await watchdogModules(['--capture-stderr', '--', 'sh', '-c', 'echo out; echo err >&2; exit 5'], { NODE_OPTIONS: '--pending-deprecation' });
    expect(run.exitCode).toBe(5);
    expect([run.stdout, run.stderr]).toEqual(['out', 'err']);
    expect(run.modules).toContain('NativeModule child_process');
  });

  it('--pending-deprecation (which would make process.binding warn) goes through node:child_process, silently', async () => {
    const run = await watchdogModules(['--', 'sh', '-c', 'echo out; exit 6'], { NODE_OPTIONS: '--pending-deprecation' });
    expect(run.exitCode).toBe(6);
    expect([run.stdout, run.stderr]).toEqual(['out', '']);
    expect(run.modules).toContain('NativeModule child_process');
  });
});
