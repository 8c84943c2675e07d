/**
 * The preload in a grandchild whose fd 3 is not the channel, end to end through the CLI: the
 * grandchild inherits WATCHDOG_CRASH_FD=3 and NODE_OPTIONS, but its fd 3 is an ordinary file of
 * its own (opened by a Node parent and passed as fd 3, or by a shell's `3>file` / `exec 3>file`),
 * or a socket of its own. It crashes, and its fd 3 must not receive a byte; the watchdog's exit
 * status is still the child's.
 *
 * A known gap is kept as a failing expectation (it.fails): a non-Node child (a shell) cannot pin
 * the channel's identity, so a Node grandchild whose fd 3 is a pipe of its own (`3>&1 | cat`)
 * takes the pipe for the channel and writes its record into the user's output. Reported with
 * issue 5; the fix belongs to src/child (the identity rule).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectPrivate, finished, listing, startWatchdog, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const CRASH = join(tmp.dir, 'crash.js');
writeFileSync(CRASH, `function grandchildCrash() { throw new Error('grandchild secret'); }\ngrandchildCrash();\n`);
const KEEP = 'bytes the program wrote to its own file\n';

function ownFile(name: string): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, KEEP);
  return file;
}

describe('a grandchild whose fd 3 is its own', () => {
  it('a regular file a Node child opened and passed as fd 3: never written to; the child still reports its own crash', async () => {
    const file = ownFile('node-parent.log');
    const child = join(tmp.dir, 'parent.js');
    writeFileSync(
      child,
      `const fs = require('fs'); const { spawnSync } = require('child_process');
const fd = fs.openSync(${JSON.stringify(file)}, 'a');
const r = spawnSync(process.execPath, [${JSON.stringify(CRASH)}], { stdio: ['inherit', 'inherit', 'pipe', fd] });
process.stdout.write('grandchild status ' + r.status + '\\n');
function childCrash() { throw new Error('child'); }
childCrash();
`,
    );
    const store = join(tmp.dir, 'store-node');
    const end = await finished(startWatchdog(['--', 'node', child], store));
    expect(end.stdout).toBe('grandchild status 1\n');
    expect(end.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(KEEP);
    // The child's crash went through the channel, the grandchild's through the spool
    // (docs/channel.md): each counted once.
    const l = await listing(store);
    expect(l.counters.map((c) => `${c.name.split('\n')[1]} ${c.count}`).sort()).toEqual(['crash.js:grandchildCrash:+0 1', 'parent.js:childCrash:+0 1']);
  });

  it('a socket pair a Node child made its grandchild fd 3: not a byte arrives on it', async () => {
    const child = join(tmp.dir, 'parent-socket.js');
    writeFileSync(
      child,
      `const { spawn } = require('child_process');
const g = spawn(process.execPath, [${JSON.stringify(CRASH)}], { stdio: ['inherit', 'inherit', 'pipe', 'pipe'] });
let got = 0; g.stdio[3].on('data', (d) => (got += d.length));
g.on('close', (code) => { process.stdout.write('grandchild status ' + code + ', bytes on its fd 3: ' + got + '\\n'); });
`,
    );
    const end = await finished(startWatchdog(['--', 'node', child], join(tmp.dir, 'store-socket')));
    expect(end.stdout).toBe('grandchild status 1, bytes on its fd 3: 0\n');
    expect(end.code).toBe(0);
  });

  it.each([
    ['`exec 3>file` in a shell child (the shell drops the channel)', (f: string) => `exec 3>>${f}; node ${CRASH}`],
    ['`3>file` on the grandchild only (the shell keeps the channel)', (f: string) => `node ${CRASH} 3>>${f}`],
    ['`3<file` (read-only)', (f: string) => `node ${CRASH} 3<${f}`],
  ])('%s: never written to, the status is the grandchild', async (_what, script) => {
    const name = Math.random().toString(36).slice(2);
    const file = ownFile(`sh-${name}.log`);
    const store = join(tmp.dir, `store-sh-${name}`);
    const end = await finished(startWatchdog(['--', 'sh', '-c', script(file)], store));
    expect(end.code).toBe(1);
    expect(end.stderr).toMatch(/grandchild secret/);
    expect(end.stderr).not.toMatch(/^watchdog:/m);
    expect(readFileSync(file, 'utf8')).toBe(KEEP);
    // Counted once, through the spool.
    const l = await listing(store);
    expect(l.counters.map((c) => `${c.name.split('\n')[1]} ${c.count}`)).toEqual(['crash.js:grandchildCrash:+0 1']);
    expectPrivate(store, ['grandchild secret']);
  });

  it('a pipe of its own on fd 3 under a shell child (`3>&1 | cat`) is not taken for the channel', async () => {
    const end = await finished(startWatchdog(['--', 'sh', '-c', `node ${CRASH} 3>&1 | cat`], join(tmp.dir, 'store-pipe')));
    // What the user's pipe receives must be the program's output only: nothing.
    expect(end.stdout).toBe('');
  });
});
