/** Shared by the symbolize tests: temp trees, real builds, and real V8 frames from real runs. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Frame } from '../../src/traceback/frame.js';

const made: string[] = [];

/** A fresh directory (real path) removed by cleanup(). */
export function tempDir(prefix = 'wd-symbolize-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/** 1-based line of the first line of `file` containing `marker`. */
export function lineOf(file: string, marker: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker));
  if (index < 0) throw new Error(`${marker} not in ${file}`);
  return index + 1;
}

/**
 * A preload that records the uncaught error's frames as V8 gives them (CallSites, with the
 * enclosing function's start) and prints them as JSON Frames on stdout.
 */
const CAPTURE = `
Error.stackTraceLimit = 50;
Error.prepareStackTrace = (error, callSites) => {
  error.__frames = callSites.map((c) => {
    const fn = c.getFunctionName();
    const el = c.getEnclosingLineNumber ? c.getEnclosingLineNumber() : null;
    const ec = c.getEnclosingColumnNumber ? c.getEnclosingColumnNumber() : null;
    const frame = { file: c.getFileName() ?? null, function: fn || null, line: c.getLineNumber(), column: c.getColumnNumber(),
      enclosingLine: el ?? null, enclosingColumn: ec ?? null };
    if (c.isEval()) frame.eval = true;
    if (c.isNative()) frame.native = true;
    if (!fn && !c.isEval() && el === 1 && ec === 1) frame.toplevel = true;
    return frame;
  });
  return String(error);
};
process.on('uncaughtException', (error) => {
  void error.stack; // formatting the stack (lazily) is what calls prepareStackTrace
  process.stdout.write(JSON.stringify(error.__frames ?? []));
  process.exit(0);
});
`;

/** Runs `node <file>` and returns the frames of the error it throws. */
export function crashFrames(file: string, args: string[] = []): Frame[] {
  const hook = join(tempDir('wd-capture-'), 'capture.cjs');
  writeFileSync(hook, CAPTURE);
  const run = spawnSync(process.execPath, ['--require', hook, ...args, file], { encoding: 'utf8', cwd: dirname(file) });
  if (run.status !== 0 || run.stdout === '') throw new Error(`run failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Frame[];
}
