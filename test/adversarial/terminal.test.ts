/**
 * In a real terminal (a tmux pane running bash): the child sees a terminal on stdin, stdout and
 * stderr; an interactive prompt works; Ctrl-C reaches the child once, as it would without the
 * watchdog (its handler runs once; without a handler it dies by SIGINT and bash's $? is 130);
 * resizing the terminal gives the child one SIGWINCH and the new width.
 *
 * Each program writes what it saw to a file (exact values), and the pane's text is checked
 * where the user would look at it (the prompt and the echo).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, sleep, tempDir } from './helpers.js';

const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
const tmp = tempDir();
const SOCKET = `wd-adv-${process.pid}`;
/** A fresh session (a new terminal running bash) for each test, so one test's leftovers cannot type into the next. */
let SESSION = '';
let sessions = 0;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Types a line into the pane's shell. */
function type(line: string): void {
  tmux('send-keys', '-t', SESSION, '-l', line);
  tmux('send-keys', '-t', SESSION, 'Enter');
}

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; pane:\n${tmux('capture-pane', '-p', '-t', SESSION)}`);
    await sleep(20);
  }
}

const file = (name: string): string => join(tmp.dir, name);
const read = (name: string): string => (existsSync(file(name)) ? readFileSync(file(name), 'utf8') : '');

/**
 * Runs `command` in the pane and reads bash's `$?` after it. With `during`, the status is asked
 * for on a line of its own once bash is back in the foreground: bash abandons the rest of a
 * command line whose job died by SIGINT, and Ctrl-C flushes anything typed ahead.
 */
async function runInPane(command: string, statusFile: string, during?: () => Promise<void>): Promise<number> {
  if (during) {
    type(command);
    await during();
    await until(() => tmux('display-message', '-p', '-t', SESSION, '#{pane_current_command}').trim() === 'bash', 'bash to be back in the foreground');
    type(`echo $? > ${file(statusFile)}`);
  } else {
    type(`${command}; echo $? > ${file(statusFile)}`);
  }
  await until(() => read(statusFile).endsWith('\n'), `${statusFile}`);
  return Number(read(statusFile).trim());
}

beforeEach(() => {
  if (!hasTmux) return;
  SESSION = `adv${++sessions}`;
  tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', '-e', `WATCHDOG_DIR=${file('store')}`, 'bash --norc --noprofile');
  // A fixed window size that resize-window may change (not the attached clients' size: there are none).
  tmux('set-option', '-t', SESSION, 'window-size', 'manual');
});
afterEach(() => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', SESSION], { stdio: 'ignore' });
});
afterAll(() => {
  if (hasTmux) {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
    // The server leaves its socket file behind.
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
  }
  tmp.remove();
});

const W = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} --`;
const NODE = JSON.stringify(process.execPath);

// Skipped, with this reason in its name, where tmux is not installed (apt-get install tmux).
describe.skipIf(!hasTmux)('in a real terminal (tmux; skipped when tmux is not installed)', () => {
  it('the child sees a terminal on stdin, stdout and stderr', async () => {
    const program = file('tty.js');
    writeFileSync(program, `require('fs').writeFileSync(${JSON.stringify(file('tty.json'))}, JSON.stringify([0, 1, 2].map((fd) => require('tty').isatty(fd))));\n`);
    expect(await runInPane(`${W} ${NODE} ${program}`, 'tty.status')).toBe(0);
    expect(JSON.parse(read('tty.json'))).toEqual([true, true, true]);
  });

  it('an interactive prompt works: readline asks, the typed line is echoed and read', async () => {
    const program = file('prompt.js');
    writeFileSync(
      program,
      `const rl = require('readline').createInterface({ input: process.stdin, output: process.stdout });
rl.question('your name? ', (answer) => { console.log('hello <' + answer + '>'); require('fs').writeFileSync(${JSON.stringify(file('prompt.answer'))}, answer); rl.close(); });\n`,
    );
    const status = await runInPane(`${W} ${NODE} ${program}`, 'prompt.status', async () => {
      await until(() => tmux('capture-pane', '-p', '-t', SESSION).includes('your name?'), 'the prompt');
      tmux('send-keys', '-t', SESSION, '-l', 'Ada Lovelace');
      tmux('send-keys', '-t', SESSION, 'Enter');
    });
    expect(status).toBe(0);
    expect(read('prompt.answer')).toBe('Ada Lovelace');
    const pane = tmux('capture-pane', '-p', '-t', SESSION);
    expect(pane).toContain('your name? Ada Lovelace\nhello <Ada Lovelace>');
  });

  it("Ctrl-C: the program's own SIGINT handler runs once, as without the watchdog", async () => {
    const program = file('sigint.js');
    const counts = (tag: string) => file(`sigint-${tag}.count`);
    writeFileSync(
      program,
      `let n = 0; const out = process.argv[2];
process.on('SIGINT', () => { n++; setTimeout(() => { require('fs').writeFileSync(out, String(n)); process.exit(0); }, 700); });
require('fs').writeFileSync(out + '.ready', '1'); setInterval(() => {}, 1000);\n`,
    );
    for (const [tag, prefix] of [['plain', ''], ['watchdog', `${W} `]] as const) {
      const status = await runInPane(`${prefix}${NODE} ${program} ${counts(tag)}`, `sigint-${tag}.status`, async () => {
        await until(() => existsSync(`${counts(tag)}.ready`), 'the program to start');
        tmux('send-keys', '-t', SESSION, 'C-c');
      });
      expect(status, tag).toBe(0);
      expect(readFileSync(counts(tag), 'utf8'), tag).toBe('1');
    }
  });

  it('Ctrl-C: a program without a handler dies by SIGINT, and $? is 130, as without the watchdog', async () => {
    const program = file('nohandler.js');
    writeFileSync(program, `require('fs').writeFileSync(process.argv[2], '1'); setInterval(() => {}, 1000);\n`);
    for (const [tag, prefix] of [['plain', ''], ['watchdog', `${W} `]] as const) {
      const ready = file(`nohandler-${tag}.ready`);
      const status = await runInPane(`${prefix}${NODE} ${program} ${ready}`, `nohandler-${tag}.status`, async () => {
        await until(() => existsSync(ready), 'the program to start');
        tmux('send-keys', '-t', SESSION, 'C-c');
      });
      expect(status, tag).toBe(130);
    }
    // A death by SIGINT is not a crash: nothing was recorded.
    expect(existsSync(join(file('store'), 'counters'))).toBe(false);
  });

  it('Ctrl-Z stops the job, fg resumes it, Ctrl-C ends it with $? 130, as without the watchdog', async () => {
    const program = file('ticks.js');
    writeFileSync(program, `const fs = require('fs'); const out = process.argv[2]; fs.writeFileSync(out, ''); setInterval(() => fs.appendFileSync(out, '.'), 50);\n`);
    const current = (): string => tmux('display-message', '-p', '-t', SESSION, '#{pane_current_command}').trim();
    for (const [tag, prefix] of [['plain', ''], ['watchdog', `${W} `]] as const) {
      const ticks = file(`ticks-${tag}`);
      type(`${prefix}${NODE} ${program} ${ticks}`);
      await until(() => read(`ticks-${tag}`).length >= 3, 'ticks');
      tmux('send-keys', '-t', SESSION, 'C-z');
      await until(() => current() === 'bash', 'bash after Ctrl-Z');
      // Stopped: no tick for a while, and bash lists it as a stopped job.
      await sleep(200);
      const stoppedAt = read(`ticks-${tag}`).length;
      await sleep(400);
      expect(read(`ticks-${tag}`).length, tag).toBe(stoppedAt);
      type(`jobs > ${file(`jobs-${tag}`)}`);
      await until(() => read(`jobs-${tag}`).length > 0, 'jobs');
      expect(read(`jobs-${tag}`), tag).toMatch(/Stopped/);
      type('fg');
      await until(() => read(`ticks-${tag}`).length >= stoppedAt + 3, 'ticks after fg');
      tmux('send-keys', '-t', SESSION, 'C-c');
      await until(() => current() === 'bash', 'bash after Ctrl-C');
      type(`echo $? > ${file(`ticks-${tag}.status`)}`);
      await until(() => read(`ticks-${tag}.status`).endsWith('\n'), 'status');
      expect(Number(read(`ticks-${tag}.status`)), tag).toBe(130);
    }
  });

  it('resize: the child gets one SIGWINCH and sees the new width', async () => {
    const program = file('winch.js');
    writeFileSync(
      program,
      `const seen = []; const out = process.argv[2];
process.stdout; // Node refreshes columns in a SIGWINCH listener of its own, added when stdout is first used
process.on('SIGWINCH', () => { seen.push([process.stdout.columns, process.stdout.rows]); setTimeout(() => { require('fs').writeFileSync(out, JSON.stringify(seen)); process.exit(0); }, 700); });
require('fs').writeFileSync(out + '.ready', JSON.stringify([process.stdout.columns, process.stdout.rows])); setInterval(() => {}, 1000);\n`,
    );
    let width = 100;
    for (const [tag, prefix] of [['plain', ''], ['watchdog', `${W} `]] as const) {
      const out = file(`winch-${tag}.json`);
      width += 17;
      const status = await runInPane(`${prefix}${NODE} ${program} ${out}`, `winch-${tag}.status`, async () => {
        // Written by the program with writeFileSync: wait for the whole text, not only the file.
        await until(() => existsSync(`${out}.ready`) && readFileSync(`${out}.ready`, 'utf8').endsWith(']'), 'the program to start');
        expect(JSON.parse(readFileSync(`${out}.ready`, 'utf8'))[0]).toBe(width - 17);
        tmux('resize-window', '-t', SESSION, '-x', String(width), '-y', '30');
      });
      expect(status, tag).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8')), tag).toEqual([[width, 30]]);
    }
  });
});
