import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_PROGRAM_CHARS,
  MAX_PROGRAM_ENCODED,
  MAX_VERSION_CHARS,
  MAX_VERSION_ENCODED,
  dec,
  enc,
  normalizeProgram,
  parseProgramDirName,
  programDirName,
} from '../../src/counter/encoding.js';

const wellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;
const anyString = fc.string({ unit: 'binary', maxLength: 40 }).filter(wellFormed);

describe('enc', () => {
  it.each([
    ['mytool', 'mytool'],
    ['@scope/pkg', '%40scope%2Fpkg'],
    ['My Tool', '!my%20!tool'],
    ['a.b-c_d', 'a.b-c_d'],
    ['.', '%2E'],
    ['..', '%2E%2E'],
    ['...', '%2E.%2E'],
    ['.hidden', '%2Ehidden'],
    ['trailing.', 'trailing%2E'],
    ['1.0.0-beta.1', '1.0.0-beta.1'],
    ['é', '%C3%A9'],
    ['日本', '%E6%97%A5%E6%9C%AC'],
    ['a\nb', 'a%0Ab'],
    ['100%', '100%25'],
    ['x!', 'x%21'],
    ['', ''],
  ])('%j -> %s', (input, output) => {
    expect(enc(input)).toBe(output);
    expect(dec(output)).toBe(input);
  });

  it('round-trips every well-formed string', () => {
    fc.assert(fc.property(anyString, (s) => dec(enc(s)) === s), { numRuns: 2000 });
  });

  it('yields one safe path component', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const e = enc(s);
        expect(e).toMatch(/^[a-z0-9._!%A-F-]*$/);
        expect(e).not.toMatch(/^\.|\.$/);
        expect(e).not.toContain('/');
        expect(e).not.toContain('@');
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps names apart on case-insensitive file systems', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => a === b || enc(a).toLowerCase() !== enc(b).toLowerCase()),
      { numRuns: 1000 },
    );
    expect(enc('Foo').toLowerCase()).not.toBe(enc('foo').toLowerCase());
  });
});

describe('dec', () => {
  it.each(['%41', '%2e', '.x', 'x.', 'A', '!1', '!A', '%4', '%', '%zz', 'a@b', 'a/b', ' ', '%C3', '%FF'])('rejects non-canonical %j', (c) => {
    expect(dec(c)).toBeNull();
  });
});

describe('program directories', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(anyString, anyString, (name, version) => {
        const id = normalizeProgram({ name, version });
        expect(parseProgramDirName(programDirName(id))).toEqual(id);
      }),
      { numRuns: 1000 },
    );
  });

  it('separate name and version at the only @', () => {
    expect(programDirName({ name: '@scope/pkg', version: '1.0.0' })).toBe('%40scope%2Fpkg@1.0.0');
    expect(parseProgramDirName('%40scope%2Fpkg@1.0.0')).toEqual({ name: '@scope/pkg', version: '1.0.0' });
    expect(parseProgramDirName('nodir')).toBeNull();
    expect(parseProgramDirName('a@b@c')).toBeNull();
    expect(parseProgramDirName('A@1')).toBeNull();
  });

  it('bound untrusted names so a directory name fits in 255 bytes', () => {
    const cases = ['a'.repeat(1000), '日'.repeat(300), '%'.repeat(300), 'A'.repeat(300), '😀'.repeat(300), 'ab.'.repeat(100)];
    for (const name of cases) {
      for (const version of cases) {
        const id = normalizeProgram({ name, version });
        expect([...id.name].length).toBeLessThanOrEqual(MAX_PROGRAM_CHARS);
        expect([...id.version].length).toBeLessThanOrEqual(MAX_VERSION_CHARS);
        expect(enc(id.name).length).toBeLessThanOrEqual(MAX_PROGRAM_ENCODED);
        expect(enc(id.version).length).toBeLessThanOrEqual(MAX_VERSION_ENCODED);
        expect(Buffer.byteLength(programDirName(id))).toBeLessThanOrEqual(255);
        expect(name.startsWith(id.name)).toBe(true);
        expect(parseProgramDirName(programDirName(id))).toEqual(id);
      }
    }
    expect(normalizeProgram({ name: 'x'.repeat(300), version: '1' }).name).toBe('x'.repeat(MAX_PROGRAM_ENCODED));
    expect(normalizeProgram({ name: 'y'.repeat(150), version: 'v'.repeat(100) })).toEqual({ name: 'y'.repeat(150), version: 'v'.repeat(MAX_VERSION_ENCODED) });
  });

  it('leave ordinary identities alone', () => {
    expect(normalizeProgram({ name: '@scope/my-tool', version: '2.3.4-rc.1' })).toEqual({ name: '@scope/my-tool', version: '2.3.4-rc.1' });
    expect(normalizeProgram({ name: 'mytool', version: 'devel' })).toEqual({ name: 'mytool', version: 'devel' });
  });

  it('store lone surrogates as U+FFFD, as UTF-8 does', () => {
    expect(normalizeProgram({ name: 'a\ud800b', version: '1' }).name).toBe('a\ufffdb');
  });
});
