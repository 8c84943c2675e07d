/**
 * Names crafted to forge counter lines or repaint the terminal, end to end: a real program
 * crashes in functions and files whose names hold newlines, `crash/crash`, escape sequences
 * (ESC [2J clears the screen, OSC sets the title, CSI as the C1 byte), line separators and NULs,
 * and under a --program name full of them. The stored names keep one line per frame; every
 * printing command (stacks, counters, dump, env; on a pipe and on a terminal) writes no escape
 * sequence but its own colours; the store's bytes hold no control character but newlines.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectPrivate, finished, listing, startWatchdog, tempDir, type Listing } from './helpers.js';

const HOSTILE = 'x\ncrash/crash\n\u001b[2J\u001b]0;pwned\u0007\u009b31m\u2028y\r\u0000z';
/** A file name can hold anything but `/` and NUL: a whole `crash/crash` line it cannot forge, a line break it can. */
const HOSTILE_FILE = 'evil\ncrash\n\u001b[2J\u009b31m\u2028.js';
const PROGRAM = 'tool\u001b[2J\nfake@1\u001b]0;t\u0007';

const tmp = tempDir();
const store = join(tmp.dir, 'store');
const app = join(tmp.dir, 'app');
afterAll(() => tmp.remove());

let recorded: Listing;

/** A JS string literal; U+2028/2029 escaped, since V8 counts them as line breaks in source. */
const literal = (s: string): string => JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

beforeAll(async () => {
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'hostile-app', version: '1.0.0' }));
  writeFileSync(
    join(app, HOSTILE_FILE),
    `'use strict';
exports.inFile = function inFile(f) { return f(); };
`,
  );
  writeFileSync(
    join(app, 'main.js'),
    `'use strict';
const { inFile } = require(${literal(`./${HOSTILE_FILE}`)});
function named() { throw new Error(${literal(HOSTILE)}); }
Object.defineProperty(named, 'name', { value: ${literal(HOSTILE)} });
class Klass { static [${literal(HOSTILE)}]() { return inFile(named); } }
Klass[${literal(HOSTILE)}]();
`,
  );
  const plain = await finished(startWatchdog(['--', 'node', 'main.js'], store, { cwd: app }));
  expect(plain.code).toBe(1);
  const other = await finished(startWatchdog(['--program', PROGRAM, '--', 'node', 'main.js'], store, { cwd: app }));
  expect(other.code).toBe(1);
  expect(other.stderr).not.toMatch(/^watchdog:/m);
  recorded = await listing(store);
});

/** Bytes that a terminal would act on: ESC, C1 controls (as UTF-8), C0 but newline, DEL, line separators. */
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('names crafted to forge lines or repaint the terminal', () => {
  it('recorded: one crash per run, each frame on one line of its own', () => {
    expect(recorded.code).toBe(0);
    expect(recorded.stderrLines).toEqual([]);
    expect(recorded.counters).toHaveLength(2);
    for (const c of recorded.counters) {
      const lines = c.name.split('\n');
      // crash/crash, the named function, the function in the hostile file, the static method, module code.
      expect(lines, c.name).toHaveLength(5);
      expect(lines.filter((l) => l === 'crash/crash')).toHaveLength(1);
      expect(lines[0]).toBe('crash/crash');
      expect(lines[4]).toBe('main.js:<module>:+5');
      for (const line of lines) expect(TERMINAL_CONTROL.test(line), JSON.stringify(line)).toBe(false);
      expect(lines[1]).toMatch(/^main\.js:x\?crash\/crash\?/);
      expect(lines[2]).toMatch(/^evil\?crash\?.*\.js:inFile:\+0$/);
      expect(c.count).toBe(1);
    }
    const programs = recorded.counters.map((c) => c.program).sort();
    expect(programs[0]).toBe('hostile-app');
    // The --program name is kept as given (it is the user's own argument), and printed safely below.
    expect(programs[1]).toBe(PROGRAM.slice(0, PROGRAM.lastIndexOf('@')));
  });

  it('the store files hold no control character but the newlines between frame lines', () => {
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    for (const file of walk(join(store, 'counters'))) {
      if (!file.endsWith('names.wdn')) continue;
      // Names sit between binary record headers: look at their text only.
      const text = readFileSync(file).toString('utf8');
      for (const name of text.match(/crash\/crash[^\u0000\u00ff\ufffd]*/g) ?? []) expect(TERMINAL_CONTROL.test(name.replace(/\n/g, '')), JSON.stringify(name)).toBe(false);
    }
    // And no directory or file name holds one either.
    for (const file of walk(store)) expect(TERMINAL_CONTROL.test(file), JSON.stringify(file)).toBe(false);
    // (The text of the crafted names is kept, made inert: a function's name is code identity.)
    expectPrivate(store);
  });

  it.each([['stacks'], ['counters'], ['dump'], ['env'], ['stacks', '--json'], ['env', '--json'], ['stacks', '--program', PROGRAM]])('watchdog %s %s on a pipe: not one ESC or other control byte', (...args) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, WATCHDOG_DIR: store }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    for (const out of [r.stdout, r.stderr]) {
      expect(out.includes('\u001b'), JSON.stringify(out)).toBe(false);
      expect(TERMINAL_CONTROL.test(out.replace(/\n/g, '')), JSON.stringify(out)).toBe(false);
    }
    if (args[0] === 'stacks' && args.length === 1) {
      // Every crash's frames are printed as lines of their own: exactly two `crash/crash` heads.
      expect(r.stdout.split('\n').filter((l) => l.trim() === 'crash/crash')).toHaveLength(2);
    }
  });

  it('watchdog stacks on a terminal: its own colours (SGR) and nothing else', () => {
    const r = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} stacks`, '/dev/null'], { env: { ...process.env, WATCHDOG_DIR: store, TERM: 'xterm', NO_COLOR: '' }, encoding: 'utf8' });
    if (r.error) return; // no script(1): the pipe cases above still hold
    expect(r.status).toBe(0);
    const escapes = r.stdout.match(/\u001b[^m]{0,12}m?/g) ?? [];
    expect(escapes.length).toBeGreaterThan(0); // colour is on: the test sees a terminal
    for (const e of escapes) expect(e, JSON.stringify(e)).toMatch(/^\u001b\[\d{1,2}m$/);
    expect(r.stdout).not.toContain('\u001b[2J');
    expect(r.stdout).not.toContain('\u001b]');
    expect(TERMINAL_CONTROL.test(r.stdout.replace(/\u001b\[\d{1,2}m/g, '').replace(/\r?\n/g, ''))).toBe(false);
  });
});
