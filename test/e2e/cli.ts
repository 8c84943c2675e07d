/** Runs the built CLI (dist/cli.cjs) as a user would: a real process, a temporary store. */
import { execa, type Options, type Result } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist', 'cli.cjs');
export const FIXTURES = join(ROOT, 'fixtures');

export function tempStore(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'watchdog-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function watchdog(args: readonly string[], store: string, options: Options = {}): Promise<Result> {
  return execa(process.execPath, [CLI, ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
    ...options,
    env: { NO_COLOR: '1', ...options.env, WATCHDOG_DIR: store },
  } as Options) as Promise<Result>;
}

export interface StackJson {
  program: string;
  version: string;
  name: string;
  count: number;
  weeks: string[];
}

export async function recorded(store: string, command: 'stacks' | 'counters' = 'counters'): Promise<StackJson[]> {
  const result = await watchdog([command, '--json'], store);
  if (result.exitCode !== 0) throw new Error(`watchdog ${command} failed: ${String(result.stderr)}`);
  return JSON.parse(String(result.stdout)) as StackJson[];
}
