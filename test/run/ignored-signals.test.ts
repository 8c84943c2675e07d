import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CALLER_SIGIGN_VAR, callerIgnoredSignals, spawnIgnoring } from '../../src/run/ignored-signals.js';

describe('callerIgnoredSignals', () => {
  const parse = (mask: string | undefined): number[] => callerIgnoredSignals({ [CALLER_SIGIGN_VAR]: mask });

  it('reads the SigIgn mask: bit N-1 is signal N', () => {
    expect(parse('0000000000000001')).toEqual([1]);
    expect(parse('0000000000000006')).toEqual([2, 3]);
    expect(parse('0000000001001000')).toEqual([13, 25]);
    expect(parse('8000000000000000')).toEqual([64]);
  });

  it('never lists SIGKILL or SIGSTOP, which no process can ignore', () => {
    expect(parse('ffffffffffffffff')).toHaveLength(62);
    expect(parse('ffffffffffffffff')).not.toContain(9);
    expect(parse('ffffffffffffffff')).not.toContain(19);
  });

  it.each([undefined, '', 'zz', '0x1', '-1', ' 1', '1'.repeat(17)])('no mask, or not a mask (%j): nothing ignored', (mask) => {
    expect(parse(mask)).toEqual([]);
  });
});

describe('spawnIgnoring', () => {
  const env = { PATH: process.env.PATH };

  it('nothing ignored: the command itself', () => {
    expect(spawnIgnoring('sh', ['-c', 'x'], [], env)).toEqual({ file: 'sh', args: ['-c', 'x'] });
  });

  it('a command that cannot be found or run: the command itself, so the watchdog says what a shell would', () => {
    expect(spawnIgnoring('no-such-command-here', [], [1], env).file).toBe('no-such-command-here');
    expect(spawnIgnoring('/etc/passwd', [], [1], env).file).toBe('/etc/passwd');
    expect(spawnIgnoring('-x', [], [1], env).file).toBe('-x');
  });

  it('through sh, which ignores the signals and execs the command with its arguments untouched', () => {
    const args = ['-c', 'grep SigIgn /proc/$$/status; printf "%s|" "$@"', 'arg0', 'a b', '$HOME', '"q"', ''];
    const how = spawnIgnoring('sh', args, [1, 2, 3, 13], env);
    expect(how.file).toBe('/bin/sh');
    const out = spawnSync(how.file, how.args, { encoding: 'utf8' }).stdout;
    expect(out).toBe(`SigIgn:\t0000000000001007\na b|$HOME|"q"||`);
  });
});
