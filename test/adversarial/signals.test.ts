/**
 * Signals sent to the watchdog (no terminal involved: it runs in a session of its own) reach the
 * child once; a child that will not stop keeps the watchdog waiting instead of being orphaned;
 * and the watchdog's exit is never observed while its child still exists.
 *
 * "Once" is checked where it is decided: the watchdog's kill() calls, traced with strace (two
 * back-to-back kill()s would merge into one pending signal in the child, and its count would
 * hide the duplicate), and in the child's own count.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, exists, finished, parentOf, scaled, sleep, startWatchdog, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM'] as const;

/**
 * Counts each forwarded signal; prints `ready <pid>`, then `got <SIG>` per signal, and when no
 * signal came for `quiet` ms after the first one, the counts as JSON, and exits 0.
 */
const COUNTER = join(tmp.dir, 'counter.js');
writeFileSync(
  COUNTER,
  `const counts = {};
const quiet = Number(process.argv[2] || 800);
let timer = null;
for (const s of ${JSON.stringify(FORWARDED)}) process.on(s, () => {
  counts[s] = (counts[s] || 0) + 1;
  process.stdout.write('got ' + s + '\\n');
  clearTimeout(timer);
  timer = setTimeout(() => { process.stdout.write(JSON.stringify(counts) + '\\n'); process.exit(0); }, quiet);
});
process.stdout.write('ready ' + process.pid + '\\n');
setInterval(() => {}, 1000);
`,
);

const hasStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

describe('forwarded signals arrive once', () => {
  it('each of INT, TERM, HUP, QUIT, USR1, USR2, WINCH, ALRM: one kill() by the watchdog, one delivery in the child', async () => {
    const store = tempDir();
    const trace = join(tmp.dir, 'kill.trace');
    // strace runs the watchdog (its only traced thread is the one that forwards); the watchdog is
    // the child's parent, which the child reports.
    const args = hasStrace ? ['-qq', '-e', 'trace=kill', '-o', trace, process.execPath, CLI, '--', 'node', COUNTER] : [CLI, '--', 'node', COUNTER];
    const proc = spawn(hasStrace ? 'strace' : process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, WATCHDOG_DIR: store.dir } });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    const exited = new Promise<void>((resolve) => proc.on('close', () => resolve()));
    const deadline = Date.now() + 20_000;
    while (!/^ready \d+/m.test(out) && Date.now() < deadline) await sleep(10);
    const childPid = Number(/^ready (\d+)/m.exec(out)![1]);
    const watchdogPid = parentOf(childPid)!;
    expect(watchdogPid).toBeGreaterThan(0);
    for (const s of FORWARDED) {
      process.kill(watchdogPid, s);
      // Wait for the child to have it before the next one, so none can merge with another.
      const want = `got ${s}\n`;
      const until = Date.now() + 5000;
      while (!out.includes(want) && Date.now() < until) await sleep(5);
    }
    await exited;
    const counts = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
    expect(counts).toEqual(Object.fromEntries(FORWARDED.map((s) => [s, 1])));
    if (hasStrace) {
      const kills = readFileSync(trace, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith(`kill(${childPid},`))
        .map((l) => /kill\(\d+, (SIG\w+)\)/.exec(l)?.[1]);
      expect(kills).toEqual([...FORWARDED]);
    }
    store.remove();
  });

  it(`a burst of the same signal: the child never gets more than were sent (${scaled(3)} rounds)`, async () => {
    for (let round = 0; round < scaled(3); round++) {
      const store = tempDir();
      const run = startWatchdog(['--', 'node', COUNTER, '1000'], store.dir);
      await run.waitFor(/^ready \d+/m);
      const sent = 20;
      for (let i = 0; i < sent; i++) {
        run.child.kill('SIGUSR2');
        await sleep(i % 4 === 0 ? 20 : 0);
      }
      const end = await finished(run);
      const counts = JSON.parse(end.stdout.trim().split('\n').pop()!) as Record<string, number>;
      expect(counts.SIGUSR2).toBeGreaterThanOrEqual(1);
      expect(counts.SIGUSR2).toBeLessThanOrEqual(sent);
      expect(end.code).toBe(0);
      store.remove();
    }
  });
});

describe('a signal sent to the whole process group', () => {
  // Known gap (reported with issue 5): `kill %1` in bash, `kill -TERM -<pgid>`, and supervisors
  // that stop a job by its group signal the watchdog and the child together; with no terminal
  // involved the watchdog cannot tell that from a signal sent to it alone, forwards it, and the
  // child's handler runs twice (many CLIs take a second SIGTERM/SIGINT as "force quit"). No
  // heuristic is safe: a container's PID 1 watchdog must forward `docker stop`'s SIGTERM.
  // Checked on the watchdog's kill() calls (strace), like the forwarding above: whether the
  // child's count shows 1 or 2 depends on whether the two deliveries merge.
  it.skipIf(!hasStrace).fails('reaches the child once: the watchdog does not send it again (today: it does)', async () => {
    const store = tempDir();
    const trace = join(tmp.dir, 'group.trace');
    const proc = spawn('strace', ['-qq', '-e', 'trace=kill', '-o', trace, process.execPath, CLI, '--', 'node', COUNTER, '600'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, WATCHDOG_DIR: store.dir } });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    const closed = new Promise<void>((resolve) => proc.on('close', () => resolve()));
    const deadline = Date.now() + 20_000;
    while (!/^ready \d+/m.test(out) && Date.now() < deadline) await sleep(10);
    const childPid = Number(/^ready (\d+)/m.exec(out)![1]);
    process.kill(-proc.pid!, 'SIGTERM'); // strace, the watchdog and the child share the group strace leads
    await closed;
    store.remove();
    const forwarded = readFileSync(trace, 'utf8').split('\n').filter((l) => l.startsWith(`kill(${childPid}, SIGTERM)`));
    expect(forwarded).toEqual([]);
  });
});

describe('a child that will not stop', () => {
  it('ignores SIGTERM: the watchdog keeps waiting for it (not orphaned), then leaves with its status', async () => {
    const store = tempDir();
    const script = `process.on('SIGTERM', () => process.stdout.write('ignored\\n')); process.stdout.write('ready ' + process.pid + '\\n'); setInterval(() => {}, 1000);`;
    const run = startWatchdog(['--', 'node', '-e', script], store.dir);
    const childPid = Number((await run.waitFor(/^ready (\d+)/m))[1]);
    let gone = false;
    void run.exited.then(() => (gone = true));
    for (let i = 0; i < 3; i++) {
      run.child.kill('SIGTERM');
      await sleep(400);
    }
    expect(run.stdout().match(/ignored/g)).toHaveLength(3);
    // Told to stop three times: still there, and still the parent of its child.
    expect(gone).toBe(false);
    expect(parentOf(childPid)).toBe(run.child.pid);
    // The child ends (here by SIGKILL from elsewhere): the watchdog follows it, the same way.
    process.kill(childPid, 'SIGKILL');
    const end = await finished(run);
    expect(end.signal).toBe('SIGKILL');
    store.remove();
  });
});

describe('signals the caller made the command ignore', () => {
  /** The ignored-signal mask a command run as `how` sees, plain and under the watchdog. */
  function ignored(how: (command: string) => string): { plain: string; wrapped: string } {
    const probe = `sh -c "grep SigIgn /proc/\\$\\$/status"`;
    const run = (command: string): string =>
      spawnSync('sh', ['-c', how(command)], { env: { ...process.env, WATCHDOG_DIR: tmp.dir, CLI, NODE: process.execPath }, encoding: 'utf8' }).stdout.trim();
    return { plain: run(probe), wrapped: run(`"$CLI" -- ${probe}`) };
  }

  // Node resets every ignored signal when it starts, and libuv again in its children: the launcher
  // line of the executable notes the mask first (src/run/ignored-signals.ts). Run as a user does,
  // by the executable's path; `node dist/cli.cjs` has no launcher and cannot know the mask.
  it('nohup: the command still ignores SIGHUP', () => {
    const { plain, wrapped } = ignored((c) => `nohup ${c} 2>/dev/null`);
    expect(plain).toMatch(/^SigIgn:\s+0*1$/);
    expect(wrapped).toBe(plain);
  });

  it('a background job of a non-interactive shell: the command still ignores SIGINT and SIGQUIT', () => {
    const { plain, wrapped } = ignored((c) => `${c} & wait`);
    expect(plain).toMatch(/^SigIgn:\s+0*6$/);
    expect(wrapped).toBe(plain);
  });

  it('nothing ignored: the command is started directly, with nothing ignored (no shell in between)', () => {
    const { plain, wrapped } = ignored((c) => c);
    expect(plain).toMatch(/^SigIgn:\s+0+$/);
    expect(wrapped).toBe(plain);
  });

  it('under nohup, a SIGHUP sent to the watchdog is ignored: it neither dies nor forwards it', async () => {
    const store = tempDir();
    // A Node command, which resets SIGHUP to its default when it starts: a forwarded one would kill it.
    const script = `process.stdout.write('ready\\n'); setTimeout(() => process.exit(4), 1500)`;
    // What nohup does, minus its redirection of output; exec keeps the watchdog's pid.
    const proc = spawn('sh', ['-c', 'trap "" HUP; exec "$0" "$@"', CLI, '--', 'node', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WATCHDOG_DIR: store.dir } });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    const closed = new Promise<[number | null, string | null]>((resolve) => proc.on('close', (code, signal) => resolve([code, signal])));
    const deadline = Date.now() + 20_000;
    while (!/^ready/m.test(out) && Date.now() < deadline) await sleep(10);
    proc.kill('SIGHUP');
    await sleep(200);
    proc.kill('SIGHUP');
    expect(await closed).toEqual([4, null]);
    store.remove();
  });

  it('a command that cannot be found, under nohup: the watchdog\'s own line and 127, not the shell\'s', () => {
    const r = spawnSync('sh', ['-c', 'trap "" HUP; exec "$0" -- no-such-command-here', CLI], { env: { ...process.env, WATCHDOG_DIR: tmp.dir }, encoding: 'utf8' });
    expect(r.status).toBe(127);
    expect(r.stderr).toBe('watchdog: no-such-command-here: command not found\n');
  });
});

describe('the watchdog never exits before its child', () => {
  /** Each case: how the child ends; the child prints `ready <pid>` first. */
  const cases: { name: string; script: string; act: (run: ReturnType<typeof startWatchdog>, pid: number) => void; expect: { code: number | null; signal: string | null } }[] = [
    { name: 'exits by itself', script: `setTimeout(() => process.exit(3), 200)`, act: () => {}, expect: { code: 3, signal: null } },
    { name: 'crashes (recording takes a moment)', script: `setTimeout(() => { throw new Error('x') }, 200)`, act: () => {}, expect: { code: 1, signal: null } },
    { name: 'dies of a forwarded SIGTERM', script: `setInterval(() => {}, 1000)`, act: (run) => run.child.kill('SIGTERM'), expect: { code: null, signal: 'SIGTERM' } },
    { name: 'dies of a forwarded SIGINT', script: `setInterval(() => {}, 1000)`, act: (run) => run.child.kill('SIGINT'), expect: { code: null, signal: 'SIGINT' } },
    { name: 'dies of a forwarded SIGHUP', script: `setInterval(() => {}, 1000)`, act: (run) => run.child.kill('SIGHUP'), expect: { code: null, signal: 'SIGHUP' } },
    { name: 'dies of a forwarded SIGALRM (which would kill an unlistening watchdog)', script: `setInterval(() => {}, 1000)`, act: (run) => run.child.kill('SIGALRM'), expect: { code: null, signal: 'SIGALRM' } },
    { name: 'is SIGKILLed directly', script: `setInterval(() => {}, 1000)`, act: (_run, pid) => process.kill(pid, 'SIGKILL'), expect: { code: null, signal: 'SIGKILL' } },
    {
      name: 'takes its time over SIGTERM (a slow cleanup)',
      script: `process.on('SIGTERM', () => { const t = Date.now(); while (Date.now() - t < 500); process.exit(5); }); setInterval(() => {}, 1000)`,
      act: (run) => run.child.kill('SIGTERM'),
      expect: { code: 5, signal: null },
    },
  ];

  it.each(cases)('the child $name: its pid is gone when the watchdog exit is seen', async (c) => {
    for (let round = 0; round < scaled(1); round++) {
      const store = tempDir();
      // Ready only once the script has set up its handlers.
      const run = startWatchdog(['--', 'node', '-e', `${c.script}; process.stdout.write('ready ' + process.pid + '\\n');`], store.dir);
      const childPid = Number((await run.waitFor(/^ready (\d+)/m))[1]);
      // Checked synchronously in the exit callback: nothing else runs in between.
      const childThereAtExit = new Promise<boolean>((resolve) => run.child.once('exit', () => resolve(exists(childPid))));
      c.act(run, childPid);
      const end = await finished(run);
      expect(await childThereAtExit).toBe(false);
      expect({ code: end.code, signal: end.signal }).toEqual(c.expect);
      store.remove();
    }
  });
});
