/**
 * A child that abuses the crash channel: floods it (100 MB, and without end from a grandchild
 * that outlives the child), never closes it, or closes it at once. The watchdog's memory stays
 * bounded (its peak resident set, VmHWM, polled from /proc while it runs, and the kernel's
 * maximum RSS for the process from GNU time where it exists), it never waits for a descendant
 * that holds the channel, and the child's exit status comes out unchanged.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectPrivate, finished, listing, peakRss, sleep, startWatchdog, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const PEAK_MIB = 150;
const hasGnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;

function program(name: string, source: string): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, source);
  return file;
}

/** Floods the channel with `mb` MiB in 1 MiB writes, then exits with `status`. */
const flood = (mb: number, status: number): string =>
  program(
    `flood-${mb}-${status}.js`,
    `const fs = require('fs'); const fd = Number(process.env.WATCHDOG_CRASH_FD); const chunk = Buffer.alloc(1 << 20, 'x');
for (let i = 0; i < ${mb}; i++) fs.writeSync(fd, chunk);
process.exit(${status});\n`,
  );

describe('a child that floods the channel', () => {
  it(`100 MB on the channel: the watchdog peaks under ${PEAK_MIB} MiB, says one line, and exits with the child status`, async () => {
    const store = join(tmp.dir, 'flood');
    const run = startWatchdog(['--', 'node', flood(100, 3)], store);
    const peak = await peakRss(run.child.pid!, run.exited);
    const end = await finished(run);
    console.log(`channel-abuse: 100 MB flood, watchdog VmHWM ${peak.toFixed(1)} MiB`);
    expect(end.code).toBe(3);
    expect(end.stderr).toMatch(/^watchdog: crash output was 104857600 bytes; kept the first 1048576\n$/);
    expect(peak).toBeGreaterThan(10); // the poll saw the process
    expect(peak).toBeLessThan(PEAK_MIB);
    const l = await listing(store);
    expect(l.counters.map((c) => [c.name, c.count])).toEqual([['crash/unparsed', 1]]);
  });

  it.skipIf(!hasGnuTime)(`the same, measured by the kernel for the whole process (GNU time, max RSS): under ${PEAK_MIB} MiB`, () => {
    const r = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', process.execPath, join(import.meta.dirname, '../../dist/cli.cjs'), '--', 'node', flood(100, 4)], {
      env: { ...process.env, WATCHDOG_DIR: join(tmp.dir, 'flood-time') },
      encoding: 'utf8',
    });
    const kib = Number(/maxrss (\d+)/.exec(r.stderr)?.[1]);
    console.log(`channel-abuse: 100 MB flood, watchdog max RSS ${(kib / 1024).toFixed(1)} MiB (rusage)`);
    expect(r.stderr).toMatch(/Command exited with non-zero status 4/);
    expect(kib / 1024).toBeLessThan(PEAK_MIB);
  });

  it('a grandchild that holds the channel and floods it without end: the watchdog leaves when the child does, bounded', async () => {
    const child = program(
      'endless.js',
      `const { spawn } = require('child_process'); const fd = Number(process.env.WATCHDOG_CRASH_FD);
const g = spawn(process.execPath, ['-e', "const fs = require('fs'); const b = Buffer.alloc(1 << 16, 'y'); for (;;) { try { fs.writeSync(3, b); } catch (e) { if (e.code !== 'EAGAIN') process.exit(0); } }"], { stdio: ['ignore', 'ignore', 'ignore', fd], detached: true });
process.stdout.write('grandchild ' + g.pid + '\\n');
g.unref();
setTimeout(() => process.exit(6), 1500);\n`,
    );
    const store = join(tmp.dir, 'endless');
    const run = startWatchdog(['--', 'node', child], store);
    const grandchild = Number((await run.waitFor(/^grandchild (\d+)/m))[1]);
    const t0 = Date.now();
    const peak = await peakRss(run.child.pid!, run.exited);
    const end = await finished(run);
    const waited = Date.now() - t0;
    try {
      process.kill(grandchild, 'SIGKILL');
    } catch {
      // it stopped when the channel closed (EPIPE)
    }
    console.log(`channel-abuse: endless grandchild flood, watchdog VmHWM ${peak.toFixed(1)} MiB, exited ${waited} ms after the grandchild started`);
    expect(end.code).toBe(6);
    expect(peak).toBeLessThan(PEAK_MIB);
    expect(waited).toBeLessThan(10_000);
    expect(end.stderr).toMatch(/^watchdog: crash output was \d+ bytes; kept the first 1048576\n$/);
  });

  it('a child that keeps the channel open, writing nothing, and exits 0: nothing recorded, nothing said', async () => {
    const child = program('idle.js', `setTimeout(() => process.exit(0), 300);\n`);
    const end = await finished(startWatchdog(['--', 'node', child], join(tmp.dir, 'idle')));
    expect(end).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(existsSync(join(tmp.dir, 'idle', 'counters'))).toBe(false);
  });
});

describe('hostile text on the channel, through the whole crash path', () => {
  const MIB = 1 << 20;
  const cases: [string, string][] = [
    ['a mebibyte of V8 frames (40,000 `at` lines)', `Error: x\n${'    at f (/app/a.js:1:1)\n'.repeat(42_000)}`],
    ['one line of a mebibyte', 'x'.repeat(MIB)],
    ['a record nested 400,000 deep', `{"watchdog":1,"kind":${'['.repeat(400_000)}${']'.repeat(400_000)}}\n`],
    ['a record of 9,000 frames (under the 1 MiB kept) with __proto__ keys', `{"watchdog":1,"__proto__":{"polluted":1},"kind":"uncaughtException","frames":[${Array(9_000).fill('{"__proto__":{"fn":"polluted"},"file":"/app/a.js","fn":"f","line":1,"col":1,"encLine":1,"encCol":1}').join(',')}],"pid":1}\n`],
    ['invalid UTF-8, NULs and escapes', Buffer.from(Array.from({ length: 200_000 }, (_, i) => [0xff, 0x00, 0x1b, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x0a][i % 9]!)).toString('latin1')],
  ];

  it.each(cases)('%s: the status passes through, recorded in bounded time and memory', async (name, text) => {
    const file = program(`text-${Math.random().toString(36).slice(2)}.txt`, text);
    const child = program(`writes-${Math.random().toString(36).slice(2)}.js`, `const fs = require('fs'); fs.writeSync(3, fs.readFileSync(${JSON.stringify(file)}, 'latin1'), null, 'latin1'); process.exit(9);\n`);
    const store = join(tmp.dir, `text-${Math.random().toString(36).slice(2)}`);
    const t0 = Date.now();
    const run = startWatchdog(['--', 'node', child], store);
    const peak = await peakRss(run.child.pid!, run.exited);
    const end = await finished(run);
    const ms = Date.now() - t0;
    console.log(`channel-abuse: ${name}: ${ms} ms, VmHWM ${peak.toFixed(1)} MiB`);
    expect(end.code).toBe(9);
    expect(end.stderr).not.toMatch(/^watchdog: could not/m);
    expect(ms).toBeLessThan(10_000);
    expect(peak).toBeLessThan(PEAK_MIB);
    const l = await listing(store);
    expect(l.code).toBe(0);
    expect(l.counters.reduce((n, c) => n + c.count, 0)).toBe(1);
    for (const c of l.counters) {
      expect(c.name.split('\n').length).toBeLessThanOrEqual(18);
      expect(c.name).not.toContain('polluted');
    }
    if (name.includes('__proto__')) expect(l.counters[0]!.name).toBe(['crash/crash', ...Array(16).fill('a.js:f:+0')].join('\n'));
    expectPrivate(store);
  });
});

describe("the child's own output, flooded", () => {
  it('--capture-stderr with 100 MB on stderr: every byte passed through in order, the watchdog bounded, the status kept', async () => {
    const child = program(
      'stderr-flood.js',
      `const fs = require('fs'); const b = Buffer.alloc(1 << 20); for (let i = 0; i < 100; i++) { b.fill(65 + (i % 26)); fs.writeSync(2, b); } process.exit(5);\n`,
    );
    const run = startWatchdog(['--capture-stderr', '--', 'node', child], join(tmp.dir, 'stderr-flood'), { stdio: ['ignore', 'ignore', 'pipe'] });
    let bytes = 0;
    let inOrder = true;
    let expectedLetter = 65;
    let inBlock = 0;
    run.child.stderr!.removeAllListeners('data');
    run.child.stderr!.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) {
        if (d[i] !== expectedLetter) inOrder = false;
        if (++inBlock === 1 << 20) {
          inBlock = 0;
          expectedLetter = 65 + (((expectedLetter - 65) + 1) % 26);
        }
      }
      bytes += d.length;
    });
    const peak = await peakRss(run.child.pid!, run.exited);
    const end = await new Promise<number | null>((resolve) => run.child.on('close', (code) => resolve(code)));
    console.log(`channel-abuse: 100 MB through --capture-stderr, watchdog VmHWM ${peak.toFixed(1)} MiB`);
    expect(end).toBe(5);
    expect(bytes).toBe(100 << 20);
    expect(inOrder).toBe(true);
    expect(peak).toBeLessThan(PEAK_MIB);
  });

  it('--capture-stderr read slowly (a pager): the last bytes the child wrote still arrive, and the status', () => {
    // The reader takes 100 ms per chunk: when the child exits, its last writes sit in the pipe
    // while the watchdog is still blocked passing earlier ones on. They used to be dropped when
    // a 200 ms linger ran out (about 130 KB of 2 MiB, where the crash report would be).
    const child = program('stderr-2mb.js', `const fs = require('fs'); const b = Buffer.alloc(1 << 20, 66); fs.writeSync(2, b); b.fill(67); fs.writeSync(2, b); fs.writeSync(2, 'END'); process.exit(5);\n`);
    const reader = program('slow-reader.js', `let n = 0, last = ''; process.stdin.on('data', (d) => { n += d.length; last = d.toString('latin1').slice(-3); const t = Date.now(); while (Date.now() - t < 100); }); process.stdin.on('end', () => process.stdout.write(n + ' ' + last));\n`);
    const r = spawnSync('sh', ['-c', `"$NODE" "$CLI" --capture-stderr -- "$NODE" "$CHILD" 2>&1 >/dev/null | "$NODE" "$READER"`], {
      env: { ...process.env, NODE: process.execPath, CLI: join(import.meta.dirname, '../../dist/cli.cjs'), CHILD: child, READER: reader, WATCHDOG_DIR: join(tmp.dir, 'slow-reader') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout).toBe(`${2 * (1 << 20) + 3} END`);
    const status = spawnSync('sh', ['-c', `"$NODE" "$CLI" --capture-stderr -- "$NODE" "$CHILD" 2>/dev/null; echo $?`], { env: { ...process.env, NODE: process.execPath, CLI: join(import.meta.dirname, '../../dist/cli.cjs'), CHILD: child, WATCHDOG_DIR: join(tmp.dir, 'slow-reader') }, encoding: 'utf8' });
    expect(status.stdout.trim()).toBe('5');
  });

  it('stdin and stdout are the child own: 50 MB in, the same 50 MB out, untouched', async () => {
    const { createHash } = await import('node:crypto');
    const input = Buffer.alloc(50 << 20);
    for (let i = 0; i < input.length; i += 4) input.writeUInt32LE((i * 2654435761) >>> 0, i);
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '../../dist/cli.cjs'), '--', 'cat'], { input, env: { ...process.env, WATCHDOG_DIR: join(tmp.dir, 'stdio') }, maxBuffer: 64 << 20 });
    expect(r.status).toBe(0);
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(createHash('sha256').update(input).digest('hex'));
    expect(r.stderr.length).toBe(0);
  });
});

describe('a child that closes the channel at once', () => {
  it('and then crashes: the status is unchanged, and the crash is counted once (through the spool)', async () => {
    const child = program('closes.js', `require('fs').closeSync(3);\nfunction afterClose() { throw new Error('closed secret'); }\nsetTimeout(afterClose, 100);\n`);
    const store = join(tmp.dir, 'closes');
    const end = await finished(startWatchdog(['--', 'node', child], store));
    expect(end.code).toBe(1);
    expect(end.stderr).toMatch(/closed secret/);
    expect(end.stderr).not.toMatch(/^watchdog:/m);
    const l = await listing(store);
    expect(l.counters.map((c) => [c.name.split('\n')[1], c.count])).toEqual([['closes.js:afterClose:+0', 1]]);
    expectPrivate(store, ['closed secret']);
  });

  it('and exits 0, or 2, or dies of SIGTERM: exactly that, nothing recorded', async () => {
    for (const [how, expectStatus] of [
      ['process.exit(0)', { code: 0, signal: null }],
      ['process.exit(2)', { code: 2, signal: null }],
      ["process.kill(process.pid, 'SIGTERM')", { code: null, signal: 'SIGTERM' }],
    ] as const) {
      const child = program(`closes-${expectStatus.code}.js`, `require('fs').closeSync(3);\nsetTimeout(() => { ${how}; }, 50);\n`);
      const store = join(tmp.dir, `closes-${expectStatus.code}`);
      const end = await finished(startWatchdog(['--', 'node', child], store));
      expect({ code: end.code, signal: end.signal }).toEqual(expectStatus);
      expect(end.stderr).toBe('');
      expect(existsSync(join(store, 'counters'))).toBe(false);
    }
  });

  it('a shell child that closes fd 3 (exec 3>&-) before a Node grandchild crashes: the status is unchanged', async () => {
    const crash = program('sh-crash.js', `function shCrash() { throw new Error('x'); }\nshCrash();\n`);
    const store = join(tmp.dir, 'sh-closes');
    const end = await finished(startWatchdog(['--', 'sh', '-c', `exec 3>&-; node ${crash}`], store));
    expect(end.code).toBe(1);
    expect(end.stderr).not.toMatch(/^watchdog:/m);
    await sleep(50);
    const l = await listing(store);
    expect(l.counters.map((c) => c.count)).toEqual([1]);
  });
});
