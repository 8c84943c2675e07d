/**
 * Hostile source maps, end to end: a real program crashes under the watchdog, and its
 * sourceMappingURL points to a URL on a local server, to a protocol-relative host, to /etc/shadow
 * and /proc/self/environ, through ../ out of the program, to a FIFO outside the program (directly
 * and through a symlink inside it), to a 1 GB sparse map, to a malformed map, or to a valid map
 * whose sources climb to /etc/passwd or name absolute home paths.
 *
 * For each: the child's output and status are untouched, the watchdog says nothing, it finishes
 * in bounded time, and the counter is a sane frame (the generated file's own frames, or the
 * mapped source's file name only). What it must not do is checked where it would happen: the
 * local server counts connections; the watchdog's own syscalls are traced (strace: no connect()
 * to any inet address, no open() of anything outside the rule); and a writer blocked on the
 * outside FIFO would be released by any open of it.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectPrivate, listing, tempDir } from './helpers.js';

const tmp = tempDir();
const hasStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
let server: Server;
let port = 0;
let connections = 0;
let trap = '';
let trapWriter: ChildProcess | null = null;
let trapOpened = false;

/** The crashing program; line 5 carries the comment. */
const PROGRAM = (comment: string): string => `'use strict';
function run() {
  throw new Error('boom');
}
run();
${comment}
`;
/** A valid map of PROGRAM onto src/main.ts (lines 2-5), sources given by the case. */
const MAP = (sources: string[], extra: Record<string, unknown> = {}): string => JSON.stringify({ version: 3, file: 'main.js', sources, names: [], mappings: ';AAAA;EACE;;AAEF', ...extra });

interface Case {
  name: string;
  /** Files of the program beside dist/main.js (relative to the program root), and the comment. */
  comment: (dir: string) => string;
  setup?: (dir: string) => void;
  /** The frame lines expected (after crash/crash). */
  frames: string[];
}

const GENERATED = ['dist/main.js:run:+1', 'dist/main.js:<module>:+4'];

const CASES: Case[] = [
  { name: 'an http URL (a local server)', comment: () => `//# sourceMappingURL=http://127.0.0.1:${port}/main.js.map`, frames: GENERATED },
  { name: 'a protocol-relative URL', comment: () => `//# sourceMappingURL=//127.0.0.1:${port}/main.js.map`, frames: GENERATED },
  { name: 'an https URL with a host name', comment: () => '//# sourceMappingURL=https://maps.example.invalid/main.js.map', frames: GENERATED },
  { name: '/etc/shadow', comment: () => '//# sourceMappingURL=/etc/shadow', frames: GENERATED },
  { name: 'file:///proc/self/environ', comment: () => '//# sourceMappingURL=file:///proc/self/environ', frames: GENERATED },
  { name: '../ out of the program to /etc/shadow', comment: () => `//# sourceMappingURL=${'../'.repeat(20)}etc/shadow`, frames: GENERATED },
  { name: 'a FIFO outside the program, named .map', comment: () => `//# sourceMappingURL=${trap}`, frames: GENERATED },
  {
    name: 'a symlink inside the program to the outside FIFO',
    comment: () => '//# sourceMappingURL=main.js.map',
    setup: (dir) => symlinkSync(trap, join(dir, 'dist', 'main.js.map')),
    frames: GENERATED,
  },
  {
    name: 'a symlink inside the program to /dev/zero',
    comment: () => '//# sourceMappingURL=zero.map',
    setup: (dir) => symlinkSync('/dev/zero', join(dir, 'dist', 'zero.map')),
    frames: GENERATED,
  },
  {
    name: 'a 1 GB sparse map',
    comment: () => '//# sourceMappingURL=main.js.map',
    setup: (dir) => execFileSync('truncate', ['-s', '1G', join(dir, 'dist', 'main.js.map')]),
    frames: GENERATED,
  },
  {
    name: 'a malformed map',
    comment: () => '//# sourceMappingURL=main.js.map',
    setup: (dir) => writeFileSync(join(dir, 'dist', 'main.js.map'), '{"version":3,"sources":["a.ts"],"mappings":"AAAA;;;!!!;\u0000\ud800'),
    frames: GENERATED,
  },
  {
    name: 'a map whose sources climb to /etc/passwd',
    comment: () => '//# sourceMappingURL=main.js.map',
    setup: (dir) => writeFileSync(join(dir, 'dist', 'main.js.map'), MAP([`${'../'.repeat(20)}etc/passwd`])),
    frames: ['passwd:run:+1', 'passwd:<module>:+3'],
  },
  {
    name: 'a map whose sourceRoot is a home directory',
    comment: () => '//# sourceMappingURL=main.js.map',
    setup: (dir) => writeFileSync(join(dir, 'dist', 'main.js.map'), MAP(['secret-project/main.ts'], { sourceRoot: '/home/alice/' })),
    frames: ['main.ts:run:+1', 'main.ts:<module>:+3'],
  },
  {
    name: 'an inline map whose sources are http URLs with credentials',
    comment: () => `//# sourceMappingURL=data:application/json;base64,${Buffer.from(MAP(['http://alice:hunter2@example.invalid/src/main.ts?token=abc'])).toString('base64')}`,
    frames: ['main.ts:run:+1', 'main.ts:<module>:+3'],
  },
];

beforeAll(async () => {
  server = createServer((_req, res) => res.end('{"version":3,"sources":["stolen.ts"],"mappings":"AAAA"}'));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  // The trap: a FIFO outside every program; a writer blocks in open() until someone opens it to read.
  mkdirSync(join(tmp.dir, 'outside'));
  trap = join(tmp.dir, 'outside', 'trap.map');
  execFileSync('mkfifo', [trap]);
  trapWriter = spawn(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(trap)}, 'w'); process.stdout.write('opened')`], { stdio: ['ignore', 'pipe', 'ignore'] });
  trapWriter.stdout!.on('data', () => (trapOpened = true));
});

afterAll(async () => {
  trapWriter?.kill('SIGKILL');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  tmp.remove();
});

/** Runs the watchdog on the case's program (under strace when there is one); what it did. */
function runCase(c: Case, index: number): { status: number | null; stderr: string; ms: number; trace: string; dir: string; store: string } {
  const dir = join(tmp.dir, `app-${index}`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `sm-case-${index}`, version: '1.0.0' }));
  c.setup?.(dir);
  writeFileSync(join(dir, 'dist', 'main.js'), PROGRAM(c.comment(dir)));
  const store = join(tmp.dir, `store-${index}`);
  const trace = join(tmp.dir, `trace-${index}`);
  const command = hasStrace ? ['strace', '-qq', '-e', 'trace=connect,open,openat', '-o', trace, process.execPath, CLI] : [process.execPath, CLI];
  const t = performance.now();
  const r = spawnSync(command[0]!, [...command.slice(1), '--', 'node', 'dist/main.js'], { cwd: dir, env: { ...process.env, WATCHDOG_DIR: store }, encoding: 'utf8', timeout: 30_000 });
  const ms = performance.now() - t;
  return { status: r.status, stderr: r.stderr, ms, trace: hasStrace && existsSync(trace) ? readFileSync(trace, 'utf8') : '', dir, store };
}

describe('hostile source maps, end to end', () => {
  it.each(CASES.map((c, i) => [c.name, i] as const))('sourceMappingURL to %s: no network, no read outside the rule, bounded time, a sane frame', async (_name, i) => {
    const c = CASES[i]!;
    const before = connections;
    const r = runCase(c, i);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/^watchdog:/m);
    expect(r.stderr).toMatch(/Error: boom/);
    expect(r.ms).toBeLessThan(10_000);
    expect(connections - before).toBe(0);
    if (hasStrace) {
      const inet = r.trace.split('\n').filter((l) => l.startsWith('connect(') && /AF_INET/.test(l));
      expect(inet).toEqual([]);
      const opened = r.trace
        .split('\n')
        .map((l) => /^open(?:at)?\((?:AT_FDCWD, )?"([^"]*)"/.exec(l)?.[1])
        .filter((p): p is string => p !== undefined);
      // The trace does see the symbolizer: it opened the generated file to read its comment.
      expect(opened).toContain(join(r.dir, 'dist', 'main.js'));
      for (const forbidden of ['/etc/shadow', '/etc/passwd', '/proc/self/environ', trap, '/dev/zero']) expect(opened, forbidden).not.toContain(forbidden);
      expect(opened.filter((p) => p.endsWith('.map') && !p.startsWith(r.dir))).toEqual([]);
    }
    const l = await listing(r.store);
    expect(l.stderrLines).toEqual([]);
    expect(l.counters).toHaveLength(1);
    expect(l.counters[0]!.name).toBe(['crash/crash', ...c.frames].join('\n'));
    expectPrivate(r.store, ['hunter2', 'alice', 'token', 'secret-project', 'example.invalid']);
  });

  it('nothing was fetched and the outside FIFO was never opened, over all the cases', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(connections).toBe(0);
    expect(trapOpened).toBe(false);
  });
});
