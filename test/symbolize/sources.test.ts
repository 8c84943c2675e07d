/** Resolving `sources` entries: URL semantics, sourceRoot, schemes left for the normalizer. */
import { describe, expect, it } from 'vitest';
import { resolveSource } from '../../src/symbolize/sources.js';

const MAP = 'file:///p/dist/a.js.map';

describe('resolveSource', () => {
  it.each([
    ['relative to the map', '../src/a.ts', undefined, '/p/src/a.ts'],
    ['sibling', 'a.ts', undefined, '/p/dist/a.ts'],
    ['sourceRoot without a slash', 'a.ts', '../src', '/p/src/a.ts'],
    ['sourceRoot with a slash', 'a.ts', '../src/', '/p/src/a.ts'],
    ['absolute sourceRoot', 'lib/a.ts', '/abs/root', '/abs/root/lib/a.ts'],
    ['file: sourceRoot', 'a.ts', 'file:///abs/', '/abs/a.ts'],
    ['empty sourceRoot', '../src/a.ts', '', '/p/src/a.ts'],
    ['absolute path entry', '/home/u/src/a.ts', undefined, '/home/u/src/a.ts'],
    ['file: URL entry', 'file:///x/y.ts', undefined, '/x/y.ts'],
    ['dot segments collapse', './src/../lib/./a.ts', undefined, '/p/dist/lib/a.ts'],
    ['traversal resolves to wherever it points', '../../../../../../etc/passwd', undefined, '/etc/passwd'],
    ['percent escapes decode', 'my%20file.ts', undefined, '/p/dist/my file.ts'],
    ['raw spaces survive', 'my file.ts', undefined, '/p/dist/my file.ts'],
    ['a % that is not an escape', '100%.ts', undefined, '/p/dist/100%.ts'],
  ])('%s', (_, entry, root, expected) => {
    expect(resolveSource(entry, root, MAP)).toBe(expected);
  });

  it('keeps entries with their own scheme exactly as written, for the normalizer', () => {
    expect(resolveSource('webpack://app/./src/a.ts', undefined, MAP)).toBe('webpack://app/./src/a.ts');
    expect(resolveSource('webpack:///./src/a.ts', '../src', MAP)).toBe('webpack:///./src/a.ts');
    expect(resolveSource('http://example.com/a.ts', undefined, MAP)).toBe('http://example.com/a.ts');
    expect(resolveSource('C:\\src\\a.ts', undefined, MAP)).toBe('C:\\src\\a.ts');
  });

  it('a relative entry under a non-file sourceRoot becomes that URL', () => {
    expect(resolveSource('src/a.ts', 'webpack://app/', MAP)).toBe('webpack://app/src/a.ts');
    expect(resolveSource('a.ts', 'https://cdn.example/src', MAP)).toBe('https://cdn.example/src/a.ts');
  });

  it('inline maps resolve against the generated file', () => {
    expect(resolveSource('../src/a.ts', undefined, 'file:///p/dist/a.js')).toBe('/p/src/a.ts');
  });

  it('null, empty and non-string entries are no source', () => {
    for (const entry of [null, '', 42, undefined, {}]) expect(resolveSource(entry, undefined, MAP)).toBeNull();
  });
});
