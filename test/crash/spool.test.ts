/**
 * The spool, collecting side (src/crash/spool.ts, collectSpool in src/crash/index.ts): what is
 * claimed, what is left alone, what is deleted, and what each file counts as.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSpool, spooledRecordCrash } from '../../src/crash/index.js';
import { claimSpool, spoolDir, spoolWaiting } from '../../src/crash/spool.js';
import { readTotals } from '../../src/counter/read.js';

const root = mkdtempSync(join(tmpdir(), 'watchdog-spool-collect-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function freshSpool(): string {
  const dir = join(root, `spool-${++n}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/** A program on disk with a package.json, and a record of a crash in it, as the preload writes it. */
function program(name: string): { dir: string; record: (pid: number, extra?: object) => string } {
  const dir = join(root, `prog-${++n}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '3.1.4' }));
  const main = join(dir, 'main.js');
  writeFileSync(main, 'function boom() {\n  throw new Error("x");\n}\nboom();\n');
  const record = (pid: number, extra: object = {}): string =>
    `${JSON.stringify({
      watchdog: 1,
      kind: 'uncaughtException',
      errorClass: 'Error',
      frames: [
        { file: main, fn: 'boom', line: 2, col: 9, encLine: 1, encCol: 1 },
        { file: main, fn: null, line: 4, col: 1, encLine: 1, encCol: 1, top: true },
      ],
      runtime: 'node',
      runtimeVersion: 'v20.20.2',
      entry: main,
      pid,
      ...extra,
    })}\n`;
  return { dir, record };
}

/** A Node fatal-error report of a heap exhaustion, written by `pid` under the run `run` (a pid). */
function oomReport(pid: number, run?: number): string {
  return JSON.stringify({
    header: { event: 'Allocation failed - JavaScript heap out of memory', trigger: 'FatalError', nodejsVersion: 'v20.20.2', processId: pid, commandLine: ['node', '/nowhere/app.js'] },
    environmentVariables: { HOME: '/home/someone', ...(run === undefined ? {} : { WATCHDOG_RUN: String(run) }) },
  });
}
const OOM_REPORT = oomReport(77);

/** A pid that names no process: one of a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('spoolWaiting', () => {
  it('is true only for a report, a record or a job, claimed or not', () => {
    const dir = freshSpool();
    expect(spoolWaiting(dir)).toBe(false);
    expect(spoolWaiting(join(root, 'no-such-dir'))).toBe(false);
    writeFileSync(join(dir, 'partial.12.abc'), 'x');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(spoolWaiting(dir)).toBe(false);
    // A claimed file may have been left by a collector that was killed: it must be looked at.
    writeFileSync(join(dir, 'claimed.5.record.12.abc.json'), 'x');
    expect(spoolWaiting(dir)).toBe(true);
    rmSync(join(dir, 'claimed.5.record.12.abc.json'));
    writeFileSync(join(dir, 'record.12.abc.json'), 'x');
    expect(spoolWaiting(dir)).toBe(true);
    rmSync(join(dir, 'record.12.abc.json'));
    writeFileSync(join(dir, 'report.20260101.101010.77.0.001.json'), '{}');
    expect(spoolWaiting(dir)).toBe(true);
  });
});

describe('claimSpool', () => {
  it('takes reports and records, deletes them, reports first and the child first', () => {
    const dir = freshSpool();
    const p = program('claim-order');
    writeFileSync(join(dir, 'record.11.a1.json'), p.record(11));
    writeFileSync(join(dir, 'record.42.b2.json'), p.record(42));
    writeFileSync(join(dir, 'report.20260101.101010.77.0.001.json'), OOM_REPORT);
    writeFileSync(join(dir, 'report.20260101.101011.42.0.002.json'), oomReport(42));
    const files = claimSpool(dir, { childPid: 42, runPid: process.pid });
    expect(files.map((f) => [f.kind, f.pid, f.ours])).toEqual([
      ['report', 42, true],
      ['report', 77, false],
      ['record', 42, undefined],
      ['record', 11, undefined],
    ]);
    expect(files[2]!.text).toBe(p.record(42));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves names that are not its own, and partial files still being written', () => {
    const dir = freshSpool();
    for (const name of ['notes.txt', 'record.x.json', 'record.1.a.json.tmp', 'partial.9.abc']) writeFileSync(join(dir, name), 'kept');
    expect(claimSpool(dir, null)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'partial.9.abc', 'record.1.a.json.tmp', 'record.x.json']);
  });

  it('removes the stale leftover of a writer that died mid-write', () => {
    const dir = freshSpool();
    const old = new Date(Date.now() - 60 * 60 * 1000);
    writeFileSync(join(dir, 'partial.9.abc'), '/home/someone/secret/path.js');
    utimesSync(join(dir, 'partial.9.abc'), old, old);
    writeFileSync(join(dir, 'partial.10.abc'), 'being written');
    expect(claimSpool(dir, null)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['partial.10.abc']);
  });

  it('takes again what a collector killed mid-claim left: it was never counted', () => {
    const dir = freshSpool();
    const p = program('killed-collector');
    const gone = deadPid();
    writeFileSync(join(dir, `claimed.${gone}.record.9.abc.json`), p.record(9));
    writeFileSync(join(dir, `claimed.${gone}.report.20260101.101010.77.0.001.json`), oomReport(77));
    // A live collector's claim is its own, until it is stale (its pid was reused).
    writeFileSync(join(dir, `claimed.${process.ppid}.record.10.abc.json`), p.record(10));
    writeFileSync(join(dir, 'claimed.1.record.11.abc.json'), p.record(11));
    const old = new Date(Date.now() - 60 * 60 * 1000);
    utimesSync(join(dir, 'claimed.1.record.11.abc.json'), old, old);
    const files = claimSpool(dir, null);
    expect(files.map((f) => [f.kind, f.pid]).sort()).toEqual([
      ['record', 11],
      ['record', 9],
      ['report', 77],
    ]);
    expect(files.find((f) => f.pid === 9)!.text).toBe(p.record(9));
    expect(readdirSync(dir)).toEqual([`claimed.${process.ppid}.record.10.abc.json`]);
  });

  it('deletes a too large record unread, and never reads through a symlink', () => {
    const dir = freshSpool();
    writeFileSync(join(dir, 'record.5.big.json'), 'x'.repeat(300 * 1024));
    const outside = join(root, `outside-${++n}.json`);
    writeFileSync(outside, 'outside the spool');
    symlinkSync(outside, join(dir, 'record.6.link.json'));
    const files = claimSpool(dir, null);
    expect(files.map((f) => [f.pid, f.text])).toEqual([
      [5, null],
      [6, null],
    ]);
    expect(readdirSync(dir)).toEqual([]);
    expect(readFileSync(outside, 'utf8')).toBe('outside the spool');
  });

  it('a file another collector claimed first is not taken twice', () => {
    const dir = freshSpool();
    writeFileSync(join(dir, 'record.5.a.json'), 'x');
    const first = claimSpool(dir, null);
    const second = claimSpool(dir, null);
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
  });
});

describe('claimSpool and reports: each run counts its own', () => {
  // This test process stands for another watchdog's run on the same store: alive, not the collector.
  const livePid = process.pid;

  it("leaves a live run's report to it, and takes the run's own by its name or its child's pid", () => {
    const dir = freshSpool();
    writeFileSync(join(dir, 'report.20260101.101010.77.0.001.json'), oomReport(77, livePid));
    writeFileSync(join(dir, 'report.20260101.101010.78.0.001.json'), oomReport(78, 999_999_001));
    writeFileSync(join(dir, 'report.20260101.101010.79.0.001.json'), oomReport(79));
    // A run whose own watchdog pid is 999_999_001, and whose child was 79: both are its.
    const files = claimSpool(dir, { childPid: 79, runPid: 999_999_001 });
    expect(files.map((f) => [f.pid, f.ours])).toEqual([
      [79, true],
      [78, true],
    ]);
    expect(readdirSync(dir)).toEqual(['report.20260101.101010.77.0.001.json']);
    // A listing leaves it too, while that run lives.
    expect(claimSpool(dir, null)).toEqual([]);
  });

  it('takes an orphan: a report whose run has ended, or that names none, is counted under its own identity', () => {
    const dir = freshSpool();
    writeFileSync(join(dir, 'report.20260101.101010.80.0.001.json'), oomReport(80, deadPid()));
    writeFileSync(join(dir, 'report.20260101.101010.81.0.001.json'), oomReport(81));
    expect(claimSpool(dir, { childPid: 5, runPid: 999_999_002 }).map((f) => [f.pid, f.ours])).toEqual([
      [80, false],
      [81, false],
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves a report that does not parse while its writer lives (being written), takes it once the writer is gone', () => {
    const dir = freshSpool();
    const half = oomReport(82, livePid).slice(0, 60);
    writeFileSync(join(dir, `report.20260101.101010.${livePid}.0.001.json`), half);
    writeFileSync(join(dir, `report.20260101.101010.${deadPid()}.0.002.json`), half);
    const taken = claimSpool(dir, null);
    expect(taken.map((f) => [f.kind, f.text])).toEqual([['report', half]]);
    expect(readdirSync(dir)).toEqual([`report.20260101.101010.${livePid}.0.001.json`]);
  });
});

describe('spooledRecordCrash', () => {
  it('a record is its crash; anything else is crash/unparsed; a handled record is not counted', () => {
    const p = program('parse-check');
    expect(spooledRecordCrash(p.record(3))).toMatchObject({ type: 'stack', pid: 3, kind: 'uncaughtException' });
    expect(spooledRecordCrash('not json at all')).toEqual({ type: 'unparsed' });
    expect(spooledRecordCrash('{"watchdog":1,')).toEqual({ type: 'unparsed' });
    expect(spooledRecordCrash(null)).toEqual({ type: 'unparsed' });
    expect(spooledRecordCrash(p.record(3, { handled: true }))).toBeNull();
  });
});

describe('collectSpool', () => {
  it('counts each file once under its own identity, then the spool is empty', () => {
    const store = join(root, `store-${++n}`);
    const dir = spoolDir(store);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const p = program('spooled-tool');
    writeFileSync(join(dir, 'record.11.a.json'), p.record(11));
    writeFileSync(join(dir, 'record.12.b.json'), p.record(12));
    writeFileSync(join(dir, 'record.13.c.json'), 'garbage');
    writeFileSync(join(dir, 'record.14.d.json'), p.record(14, { handled: true }));
    writeFileSync(join(dir, 'report.20260101.101010.77.0.001.json'), OOM_REPORT);
    expect(collectSpool(store)).toBe(4);
    expect(readdirSync(dir)).toEqual([]);
    const { totals } = readTotals(store, {});
    const seen = totals.map((t) => [t.program, t.version, t.name, t.count]).sort();
    expect(seen).toEqual([
      ['node', 'devel', 'crash/oom', 1],
      ['node', 'devel', 'crash/unparsed', 1],
      ['spooled-tool', '3.1.4', 'crash/crash\nmain.js:boom:+1\nmain.js:<module>:+3', 2],
    ]);
    // Collected once: a second collection finds nothing.
    expect(collectSpool(store)).toBe(0);
  });

  it('an empty or missing spool counts nothing and creates nothing', () => {
    const store = join(root, `store-${++n}`);
    expect(collectSpool(store)).toBe(0);
    expect(existsSync(store)).toBe(false);
  });
});
