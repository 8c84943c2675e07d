import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileName, framePath } from '../../src/stack/paths.js';

const ROOT = '/home/alice/projects/tool';

describe('framePath', () => {
  it.each([
    // Node built-ins
    ['node:internal/modules/cjs/loader', null],
    ['node:internal', null],
    ['internal/process/task_queues.js', null],
    ['node:fs', 'node:fs'],
    ['node:fs/promises', 'node:fs/promises'],
    // inside the root
    [`${ROOT}/src/cli.js`, 'src/cli.js'],
    [`${ROOT}/main.js`, 'main.js'],
    [`file://${ROOT}/src/m.mjs`, 'src/m.mjs'],
    [`file://${ROOT}/src/with%20space.mjs`, 'src/with space.mjs'],
    [`file://${ROOT}/src/m.mjs?v=1#x`, 'src/m.mjs'],
    [`${ROOT}/./src/../lib/x.js`, 'lib/x.js'],
    // traversal does not escape
    [`${ROOT}/../../../etc/passwd.js`, 'passwd.js'],
    [`${ROOT}/../tool-other/x.js`, 'x.js'],
    [`${ROOT}-other/secret/x.js`, 'x.js'],
    // node_modules, any layout
    [`${ROOT}/node_modules/yargs/build/lib/command.js`, 'yargs/build/lib/command.js'],
    [`${ROOT}/node_modules/a/node_modules/yargs/build/lib/command.js`, 'yargs/build/lib/command.js'],
    [`${ROOT}/node_modules/.pnpm/yargs@17.7.2/node_modules/yargs/build/lib/command.js`, 'yargs/build/lib/command.js'],
    [`${ROOT}/node_modules/.pnpm/@scope+pkg@1.0.0/node_modules/@scope/pkg/lib/x.js`, '@scope/pkg/lib/x.js'],
    [`${ROOT}/node_modules/@scope/pkg/lib/x.js`, '@scope/pkg/lib/x.js'],
    ['/usr/lib/node_modules/yargs/index.js', 'yargs/index.js'],
    ['/home/bob/.yarn/berry/cache/yargs-npm-17.7.2-abc.zip/node_modules/yargs/index.js', 'yargs/index.js'],
    ['/opt/my_node_modules/x.js', 'x.js'],
    // outside the root, pseudo files, other URLs
    ['/home/alice/other/secret.js', 'secret.js'],
    ['[eval]', '[eval]'],
    ['[eval1]', '[eval1]'],
    ['<anonymous>', '<anonymous>'],
    ['evalmachine.<anonymous>', 'evalmachine.<anonymous>'],
    ['https://cdn.example.com/lib/x.js?token=abc', 'x.js'],
    ['https://cdn.example.com', '<unknown>'],
    ['data:text/javascript,throw new Error("secret")', '<data>'],
    ['blob:nodedata:1234', '<blob>'],
    // bundlers
    ['webpack://tool/./src/x.ts', 'src/x.ts'],
    ['webpack:///./src/x.ts', 'src/x.ts'],
    ['webpack://tool/./node_modules/lodash/get.js', 'lodash/get.js'],
    ['webpack://tool/../../../etc/x.ts', 'x.ts'],
    ['webpack:///home/bob/src/x.ts', 'x.ts'],
    ['webpack://tool/external "fs"', 'external "fs"'],
    // Windows
    ['C:\\Users\\alice\\tool\\src\\cli.js', 'cli.js'],
    ['C:\\Users\\alice\\tool\\node_modules\\yargs\\index.js', 'yargs/index.js'],
    ['\\\\server\\share\\x.js', 'x.js'],
    ['file:///C:/Users/alice/x.mjs', 'x.mjs'],
    ['', '<unknown>'],
  ])('%s -> %s', (file, expected) => {
    expect(framePath(file, ROOT)).toBe(expected);
  });

  it('takes paths relative to a Windows root', () => {
    expect(framePath('C:\\Users\\alice\\tool\\src\\cli.js', 'C:\\Users\\alice\\tool')).toBe('src/cli.js');
    expect(framePath('file:///C:/Users/alice/tool/src/m.mjs', 'C:\\Users\\alice\\tool\\')).toBe('src/m.mjs');
  });

  it('keeps a file inside the root relative even when the root is an installed package', () => {
    const root = '/usr/lib/node_modules/tool';
    expect(framePath(`${root}/lib/x.js`, root)).toBe('lib/x.js');
    expect(framePath(`${root}/node_modules/dep/x.js`, root)).toBe('dep/x.js');
    expect(framePath('/usr/lib/node_modules/dep/x.js', root)).toBe('dep/x.js');
  });

  it('gives file names only without a root, or with a file-system root', () => {
    expect(framePath('/home/alice/tool/src/cli.js', null)).toBe('cli.js');
    expect(framePath('/home/alice/tool/src/cli.js', '/')).toBe('cli.js');
    expect(framePath('C:\\Users\\x.js', 'C:\\')).toBe('x.js');
    expect(framePath('/home/alice/node_modules/yargs/index.js', null)).toBe('yargs/index.js');
  });

  it('never shows a directory outside the root (property)', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._ -]{1,12}$/).filter((s) => s !== '.' && s !== '..' && s !== 'node_modules' && s.trim() === s && s !== '');
    const outside = fc.array(segment, { minLength: 1, maxLength: 8 }).map((parts) => `/${parts.join('/')}`).filter((p) => !p.startsWith(`${ROOT}/`));
    fc.assert(
      fc.property(outside, fc.constantFrom('', 'file://'), (path, prefix) => {
        const out = framePath(prefix === '' ? path : `file://${encodeURI(path)}`, ROOT)!;
        const parts = path.split('/').filter(Boolean);
        expect(out).toBe(parts.at(-1));
        expect(out.startsWith('/')).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('never returns an absolute path or climbs out of the root (property)', () => {
    const seg = fc.constantFrom('..', '.', 'a', 'node_modules', '@s', 'b.js', '', 'C:', '\\', 'x\\..\\..');
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 10 }), fc.constantFrom('', ROOT, `file://${ROOT}`, 'webpack://ns', 'C:\\r'), (parts, base) => {
        // Frames name files: the path always ends with one.
        const out = framePath(`${base}/${[...parts, 'f.js'].join('/')}`, ROOT);
        if (out === null) return;
        expect(out.startsWith('/')).toBe(false);
        expect(out.split('/')).not.toContain('..');
        expect(out).not.toContain('alice');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fileName', () => {
  it.each([
    ['/a/b/c.js', 'c.js'],
    ['C:\\a\\b.js', 'b.js'],
    ['https://host.example/a/b.js?x#y', 'b.js'],
    ['https://host.example', '<unknown>'],
    ['<anonymous>', '<anonymous>'],
    ['/a/b/', 'b'],
  ])('%s -> %s', (file, expected) => {
    expect(fileName(file)).toBe(expected);
  });
});
