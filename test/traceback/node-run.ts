/**
 * Test helpers: real Node programs in temporary directories, and what they print when they crash.
 *
 * DUMP_RECORD is a tiny stand-in for the preload: it keeps each error's CallSites as record frames
 * (Error.prepareStackTrace, fields as record.ts defines them) and, when an error is uncaught,
 * writes a `{"watchdog":1,...}` record on stdout and the V8-style stack text on stderr.
 * CALLSITE_FIELDS prints the raw CallSite facts the top-level rule rests on.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

export const DUMP_RECORD = `'use strict';
const frames = new WeakMap();
Error.stackTraceLimit = 64;
Error.prepareStackTrace = (err, sites) => {
  if (err !== null && typeof err === 'object') {
    frames.set(err, sites.map((c) => ({
      file: c.getFileName() ?? c.getScriptNameOrSourceURL() ?? null,
      fn: c.getFunctionName(),
      line: c.getLineNumber(),
      col: c.getColumnNumber(),
      encLine: c.getEnclosingLineNumber(),
      encCol: c.getEnclosingColumnNumber(),
      top: !c.getFunctionName() && !c.isEval() && c.getEnclosingLineNumber() === 1 && c.getEnclosingColumnNumber() === 1,
      eval: c.isEval(),
      native: c.isNative(),
    })));
  }
  const head = err instanceof Error ? (err.message ? err.name + ': ' + err.message : err.name) : String(err);
  return head + sites.map((c) => '\\n    at ' + c).join('');
};
process.on('uncaughtException', (err) => {
  const stack = String(err && err.stack);
  const record = {
    watchdog: 1,
    kind: 'uncaughtException',
    errorClass: err && err.constructor ? err.constructor.name : typeof err,
    frames: frames.get(err) ?? [],
    runtime: 'node',
    runtimeVersion: process.version,
    entry: require.main ? require.main.filename : process.argv[1],
    pid: process.pid,
  };
  process.stdout.write(JSON.stringify(record) + '\\n');
  process.stderr.write(stack + '\\n');
  process.exitCode = 1;
});
`;

export const CALLSITE_FIELDS = `'use strict';
Error.prepareStackTrace = (_err, sites) => sites.map((c) => ({
  fn: c.getFunctionName(),
  type: c.getTypeName(),
  top: c.isToplevel(),
  encLine: c.getEnclosingLineNumber(),
  encCol: c.getEnclosingColumnNumber(),
  text: String(c),
}));
`;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix = 'wd-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes `files` (relative path -> content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

export interface NodeRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node ...args` in `cwd`, without any inherited NODE_OPTIONS. */
export function runNode(cwd: string, args: string[], env: Record<string, string> = {}): NodeRun {
  const { NODE_OPTIONS: _ignored, ...rest } = process.env;
  const r = spawnSync(process.execPath, args, { cwd, env: { ...rest, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `entry` with DUMP_RECORD preloaded; returns the record line it wrote and Node's text. */
export function crashWithRecord(cwd: string, entry: string): { record: string; text: string } {
  const dump = join(tempDir('wd-dump-'), 'dump.cjs');
  writeFileSync(dump, DUMP_RECORD);
  const run = runNode(cwd, ['-r', dump, entry]);
  const record = run.stdout.split('\n').find((l) => l.startsWith('{"watchdog":1,'));
  if (!record) throw new Error(`no record from ${entry}: status ${run.status}\n${run.stderr}`);
  return { record, text: run.stderr };
}

/** Runs `entry` as is; returns what Node printed for the uncaught error. */
export function crashText(cwd: string, entry: string): string {
  const run = runNode(cwd, [entry]);
  if (run.status === 0) throw new Error(`${entry} did not crash`);
  return run.stderr;
}
