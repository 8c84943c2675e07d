/**
 * Deferred symbolization: a crash whose source maps are too big to map before the watchdog
 * returns to the shell is written to the spool as a job, and a detached collector process
 * (dist/collect.cjs) maps and counts it.
 *
 * Why: the shell should get control back within ~100 ms of the child's exit, and reading,
 * parsing and decoding a 5 MB map takes longer than that (BENCHMARKS.md, row 3).
 * Invariants:
 * - The job is in the spool (written whole, then renamed into place) before the watchdog exits,
 *   and it is deleted only after it has been counted (spool.ts): if the collector never runs or
 *   dies, the next run or `watchdog stacks` collects it. A crash is never lost.
 * - The job holds the crash's frames with absolute paths, like every spool file, in the 0700
 *   spool, for as long as it takes to count it; the counter holds only the normalized name.
 * - The program identity is decided by the run (`--program`, the command) and travels in the job.
 */
import { closeSync, constants, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgramId } from '../counter/types.js';
import { startDetached } from '../run/launch-libuv.js';
import type { Frame, StackCrash } from '../traceback/frame.js';

/** Maps larger than this (in total, per crash) are mapped by the collector, not before exit. */
export const DEFER_MAP_BYTES = 1024 * 1024;

export interface Job {
  program: ProgramId;
  root: string | null;
  crash: StackCrash;
}

/** Writes `job` into the spool `dir`. Throws on I/O trouble (the caller then counts it at once). */
export function writeJob(dir: string, job: Job): void {
  const unique = `${process.hrtime.bigint().toString(36)}-${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
  const partial = join(dir, `partial.${process.pid}.${unique}`);
  const fd = openSync(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    const bytes = Buffer.from(JSON.stringify({ watchdog: 1, job: 1, ...job }));
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
  } catch (error) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(partial, join(dir, `job.${process.pid}.${unique}.json`));
}

/** Starts a detached collector for the store; it outlives the watchdog. Never throws. */
export function startCollector(collector: string, storeDir: string): void {
  try {
    // Through libuv's handles, as the run starts its command (src/run/launch.ts); child_process
    // (with net and stream: about 9 ms) only where those are not available.
    if (startDetached(process.execPath, [collector, storeDir], process.env)) return;
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(process.execPath, [collector, storeDir], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
  } catch {
    // The next run or listing collects the job.
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length <= max ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

/** A job file's text -> the job, validated field by field; null when it is not one. */
export function parseJob(text: string): Job | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || value.watchdog !== 1 || value.job !== 1 || !isObject(value.program) || !isObject(value.crash)) return null;
  const name = str(value.program.name, 256);
  const version = str(value.program.version, 128);
  const crash = value.crash;
  if (name === null || version === null || !Array.isArray(crash.frames)) return null;
  const frames: Frame[] = crash.frames.slice(0, 256).filter(isObject).map((f) => ({
    file: str(f.file, 4096),
    function: str(f.function, 1024),
    line: num(f.line),
    column: num(f.column),
    enclosingLine: num(f.enclosingLine),
    enclosingColumn: num(f.enclosingColumn),
    ...(f.toplevel === true ? { toplevel: true } : {}),
    ...(f.eval === true ? { eval: true } : {}),
    ...(f.native === true ? { native: true } : {}),
  }));
  return {
    program: { name, version },
    root: str(value.root, 4096),
    crash: {
      type: 'stack',
      kind: str(crash.kind, 64) ?? 'unknown',
      errorClass: str(crash.errorClass, 256),
      frames,
      runtime: str(crash.runtime, 32) ?? 'node',
      runtimeVersion: str(crash.runtimeVersion, 64),
      entry: null,
    },
  };
}
