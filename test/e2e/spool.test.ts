/**
 * Crashes of descendants that have no channel (Node passes only fds 0-2 to what it spawns), end
 * to end through the built CLI: they reach the store through the spool, under their own program,
 * also when they crash after the watchdog has exited; the spool is emptied and keeps no path.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, recorded, tempStore, watchdog } from './cli.js';

const apps = mkdtempSync(join(tmpdir(), 'watchdog-spool-app-'));
afterAll(() => rmSync(apps, { recursive: true, force: true }));

function write(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Waits until a record file is in the store's spool (a detached process writes it later). */
async function spooledRecord(store: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let names: string[] = [];
    try {
      names = readdirSync(join(store, 'reports'));
    } catch {
      // Not there yet.
    }
    if (names.some((n) => n.startsWith('record.'))) return;
    if (Date.now() > until) throw new Error('no record was spooled');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A parent program and, in a package of its own, the child it spawns with default stdio.
const parentDir = join(apps, 'parent');
const childDir = join(parentDir, 'packages', 'worker');
mkdirSync(childDir, { recursive: true });
write(join(parentDir, 'package.json'), JSON.stringify({ name: 'spool-parent', version: '1.0.0', private: true }));
write(join(childDir, 'package.json'), JSON.stringify({ name: 'spool-worker', version: '2.3.0', private: true }));
write(
  join(childDir, 'child.js'),
  `'use strict';
function transform(input) {
  if (input === null) {
    throw new TypeError('nothing to transform');
  }
  return input;
}

function runJob() {
  return transform(null);
}

runJob();
`,
);
write(
  join(parentDir, 'parent.js'),
  `'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const r = spawnSync(process.execPath, [join(__dirname, 'packages', 'worker', 'child.js')], { stdio: 'inherit' });
process.exit(r.status === 0 ? 0 : 1);
`,
);
// A program that leaves behind a detached grandchild, which crashes after the watchdog exited.
write(
  join(parentDir, 'leaves-behind.js'),
  `'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');
spawn(process.execPath, [join(__dirname, 'packages', 'worker', 'late.js')], { detached: true, stdio: 'ignore' }).unref();
`,
);
write(
  join(childDir, 'late.js'),
  `'use strict';
function flushLater() {
  throw new RangeError('late failure');
}
setTimeout(flushLater, 300);
`,
);

// transform starts on line 2 and throws on line 4; runJob starts on 9 and calls on 10; the call at top level is on line 13.
const CHILD_STACK = ['crash/crash', 'child.js:transform:+2', 'child.js:runJob:+1', 'child.js:<module>:+12'].join('\n');

describe('a Node child of a Node parent (no channel of its own)', () => {
  const store = tempStore();
  afterAll(() => store.remove());

  it('is recorded with its frames, under its own package, and the parent exits as it does', async () => {
    const run = await watchdog(['--', 'node', 'parent.js'], store.dir, { cwd: parentDir });
    expect(run.exitCode).toBe(1);
    expect(String(run.stderr)).toContain('TypeError: nothing to transform');
    expect(String(run.stderr)).not.toContain('watchdog:');
    const stacks = await recorded(store.dir, 'stacks');
    expect(stacks.map((s) => [s.program, s.version, s.name, s.count])).toEqual([['spool-worker', '2.3.0', CHILD_STACK, 1]]);
  });

  it('leaves an empty spool and no absolute path anywhere in the store', () => {
    expect(readdirSync(join(store.dir, 'reports'))).toEqual([]);
    const files = filesBelow(store.dir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      for (const path of [apps, parentDir, tmpdir() + '/']) expect(bytes.includes(path), `${path} in ${file}`).toBe(false);
    }
  });
});

describe('a descendant that crashes after the watchdog exited', () => {
  it('waits in the spool and shows in the next watchdog stacks, once', async () => {
    const store = tempStore();
    try {
      const run = await watchdog(['--', 'node', 'leaves-behind.js'], store.dir, { cwd: parentDir });
      expect(run.exitCode).toBe(0);
      await spooledRecord(store.dir);
      const stacks = await recorded(store.dir, 'stacks');
      expect(stacks.map((s) => [s.program, s.version, s.name, s.count])).toEqual([['spool-worker', '2.3.0', 'crash/crash\nlate.js:flushLater:+1', 1]]);
      expect(readdirSync(join(store.dir, 'reports'))).toEqual([]);
      expect(await recorded(store.dir, 'counters')).toHaveLength(1);
      for (const file of filesBelow(store.dir)) expect(readFileSync(file).toString('latin1').includes(apps), file).toBe(false);
    } finally {
      store.remove();
    }
  });
});

describe('listing with the spool', () => {
  it('an empty spool costs one readdir: the crash path is not loaded', async () => {
    const store = tempStore();
    try {
      mkdirSync(join(store.dir, 'reports'), { mode: 0o700 });
      const empty = await watchdog(['stacks'], store.dir, { env: { NODE_DEBUG: 'module' } });
      expect(empty.exitCode).toBe(0);
      expect(String(empty.stderr)).toContain('commands.cjs');
      expect(String(empty.stderr)).not.toContain('crash.cjs');
      writeFileSync(join(store.dir, 'reports', 'record.1.x.json'), 'not a record');
      const waiting = await watchdog(['stacks'], store.dir, { env: { NODE_DEBUG: 'module' } });
      expect(String(waiting.stderr)).toContain('crash.cjs');
    } finally {
      store.remove();
    }
  });

  it('collectors running at once never count one spooled record twice', async () => {
    const store = tempStore();
    try {
      const spool = join(store.dir, 'reports');
      mkdirSync(spool, { recursive: true, mode: 0o700 });
      const entry = join(childDir, 'child.js');
      const line = (pid: number): string =>
        `${JSON.stringify({ watchdog: 1, kind: 'uncaughtException', errorClass: 'Error', frames: [{ file: entry, fn: 'runJob', line: 10, col: 10, encLine: 9, encCol: 1 }], runtime: 'node', runtimeVersion: 'v20.20.2', entry, pid })}\n`;
      const total = 400;
      for (let i = 0; i < total; i++) writeFileSync(join(spool, `record.${1000 + i}.k${i}.json`), line(1000 + i));
      // Four collectors (the crash path of dist/, as `watchdog stacks` loads it) start claiming at the same moment.
      const start = Date.now() + 1500;
      const script = `const start = Number(process.argv[1]); while (Date.now() < start); process.stdout.write(String(require(${JSON.stringify(join(CLI, '..', 'crash.cjs'))}).collectSpool(process.argv[2])));`;
      const runs = await Promise.all(Array.from({ length: 4 }, () => execa(process.execPath, ['-e', script, String(start), store.dir], { reject: false })));
      expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0, 0]);
      expect(runs.reduce((sum, r) => sum + Number(r.stdout), 0)).toBe(total);
      expect(readdirSync(spool)).toEqual([]);
      const counters = await recorded(store.dir);
      expect(counters.map((c) => [c.program, c.name, c.count])).toEqual([['spool-worker', 'crash/crash\nchild.js:runJob:+1', total]]);
      // And `watchdog stacks` itself collects: one more record shows in the listing.
      writeFileSync(join(spool, 'record.99.z.json'), line(99));
      expect((await recorded(store.dir, 'stacks'))[0]!.count).toBe(total + 1);
    } finally {
      store.remove();
    }
  });
});

describe('two runs on one store', () => {
  // The race CI found: a run that ended while another run's child had written its fatal-error
  // report, but not yet exited, took that report and counted it under its own program; the other
  // run then counted a bare signal. Each run must count only its own reports.
  it("a run and a listing leave another live run's Node report to that run", async () => {
    const store = tempStore();
    const go = join(apps, `go-${process.pid}-${Date.now()}`);
    try {
      // Run A's child writes a real Node report into the spool (Node puts it in the report
      // directory), then waits, as a child that aborts after its report is written.
      const script = `
        const { existsSync } = require('node:fs');
        const d = new Date(); const p = (n) => String(n).padStart(2, '0');
        process.report.writeReport(\`report.\${d.getFullYear()}\${p(d.getMonth() + 1)}\${p(d.getDate())}.\${p(d.getHours())}\${p(d.getMinutes())}\${p(d.getSeconds())}.\${process.pid}.0.001.json\`);
        const wait = setInterval(() => { if (existsSync(process.argv[1])) { clearInterval(wait); process.kill(process.pid, 'SIGKILL'); } }, 20);`;
      const runA = watchdog(['--program', 'run-a@1.0.0', '--', 'node', '-e', script, go], store.dir);
      const spool = join(store.dir, 'reports');
      const until = Date.now() + 20_000;
      while (!(existsSync(spool) && readdirSync(spool).some((n) => n.startsWith('report.')))) {
        if (Date.now() > until) throw new Error('run A wrote no report');
        await new Promise((r) => setTimeout(r, 20));
      }
      const reports = readdirSync(spool).filter((n) => n.startsWith('report.'));
      // Run B ends with a failure and finds the spool not empty; a listing collects too.
      const runB = await watchdog(['--program', 'run-b@1.0.0', '--', 'node', '-e', 'process.exit(3)'], store.dir);
      expect(runB.exitCode).toBe(3);
      expect(await recorded(store.dir, 'stacks')).toEqual([]);
      expect(readdirSync(spool).filter((n) => n.startsWith('report.'))).toEqual(reports);
      writeFileSync(go, '');
      const a = await runA;
      expect(a.signal).toBe('SIGKILL');
      const counters = await recorded(store.dir);
      expect(counters.map((c) => [c.program, c.count])).toEqual([['run-a', 1]]);
      expect(readdirSync(spool)).toEqual([]);
    } finally {
      rmSync(go, { force: true });
      store.remove();
    }
  });
});
