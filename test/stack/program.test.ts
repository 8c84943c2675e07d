import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { clearProgramCache, findProgram } from '../../src/stack/program.js';
import { tempDir, writeTree } from '../traceback/node-run.js';

beforeEach(() => clearProgramCache());

describe('findProgram', () => {
  it('finds the nearest package.json above the entry', () => {
    const dir = tempDir();
    writeTree(dir, {
      'package.json': JSON.stringify({ name: 'outer', version: '9.9.9' }),
      'tool/package.json': JSON.stringify({ name: '@acme/tool', version: '1.2.3', dependencies: {} }),
      'tool/bin/cli.js': '',
    });
    expect(findProgram(join(dir, 'tool/bin/cli.js'))).toEqual({ root: join(dir, 'tool'), name: '@acme/tool', version: '1.2.3' });
    expect(findProgram(pathToFileURL(join(dir, 'tool/bin/cli.js')).href)).toEqual({ root: join(dir, 'tool'), name: '@acme/tool', version: '1.2.3' });
  });

  it('skips stub package.json files that only set module options', () => {
    const dir = tempDir();
    writeTree(dir, {
      'package.json': JSON.stringify({ name: 'tool', version: '2.0.0' }),
      'dist/esm/package.json': JSON.stringify({ type: 'module' }),
      'dist/esm/cli.js': '',
      'only-stubs/package.json': '{"type":"commonjs"}',
    });
    expect(findProgram(join(dir, 'dist/esm/cli.js'))).toEqual({ root: dir, name: 'tool', version: '2.0.0' });
  });

  it('uses the nearest stub when there is nothing else', () => {
    const dir = tempDir();
    writeTree(dir, { 'a/package.json': '{"type":"module"}', 'a/b/package.json': '{"type":"module"}', 'a/b/x.mjs': '' });
    // (a tmp dir has no package.json above it)
    expect(findProgram(join(dir, 'a/b/x.mjs'))).toEqual({ root: join(dir, 'a/b'), name: null, version: null });
  });

  it('gives a root without name for a private app, invalid JSON, or odd fields', () => {
    const dir = tempDir();
    writeTree(dir, {
      'app/package.json': JSON.stringify({ private: true, dependencies: { x: '1' } }),
      'app/main.js': '',
      'broken/package.json': '{ name: nope',
      'broken/main.js': '',
      'odd/package.json': JSON.stringify({ name: 'bad name\n/x', version: { major: 1 } }),
      'odd/main.js': '',
      'bom/package.json': `\uFEFF${JSON.stringify({ name: 'bom', version: '1.0.0' })}`,
      'bom/main.js': '',
      'array/package.json': '[1]',
      'array/main.js': '',
    });
    expect(findProgram(join(dir, 'app/main.js'))).toEqual({ root: join(dir, 'app'), name: null, version: null });
    expect(findProgram(join(dir, 'broken/main.js'))).toEqual({ root: join(dir, 'broken'), name: null, version: null });
    expect(findProgram(join(dir, 'odd/main.js'))).toEqual({ root: join(dir, 'odd'), name: null, version: null });
    expect(findProgram(join(dir, 'bom/main.js'))).toEqual({ root: join(dir, 'bom'), name: 'bom', version: '1.0.0' });
    expect(findProgram(join(dir, 'array/main.js'))).toEqual({ root: join(dir, 'array'), name: null, version: null });
  });

  it('does not read a huge package.json', () => {
    const dir = tempDir();
    writeTree(dir, { 'main.js': '' });
    writeFileSync(join(dir, 'package.json'), `{"name":"big","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    expect(findProgram(join(dir, 'main.js'))).toEqual({ root: dir, name: null, version: null });
  });

  it('resolves node_modules/.bin links to the installed package, nested or pnpm', () => {
    const dir = tempDir();
    writeTree(dir, {
      'project/package.json': JSON.stringify({ name: 'project', version: '0.0.1' }),
      'project/node_modules/tool/package.json': JSON.stringify({ name: 'tool', version: '3.1.0' }),
      'project/node_modules/tool/bin/cli.js': '',
      'project/node_modules/tool/lib/esm/package.json': '{"type":"module"}',
      'project/node_modules/tool/lib/esm/run.js': '',
      'pnpm/package.json': JSON.stringify({ name: 'project', version: '0.0.1' }),
      'pnpm/node_modules/.pnpm/tool@3.1.0/node_modules/tool/package.json': JSON.stringify({ name: 'tool', version: '3.1.0' }),
      'pnpm/node_modules/.pnpm/tool@3.1.0/node_modules/tool/bin/cli.js': '',
    });
    mkdirSync(join(dir, 'project/node_modules/.bin'));
    symlinkSync('../tool/bin/cli.js', join(dir, 'project/node_modules/.bin/tool'));
    symlinkSync('.pnpm/tool@3.1.0/node_modules/tool', join(dir, 'pnpm/node_modules/tool'));
    mkdirSync(join(dir, 'pnpm/node_modules/.bin'));
    symlinkSync('../tool/bin/cli.js', join(dir, 'pnpm/node_modules/.bin/tool'));

    const nested = findProgram(join(dir, 'project/node_modules/.bin/tool'));
    expect(nested).toEqual({ root: join(dir, 'project/node_modules/tool'), name: 'tool', version: '3.1.0' });
    expect(findProgram(join(dir, 'project/node_modules/tool/lib/esm/run.js'))).toEqual(nested);
    expect(findProgram(join(dir, 'pnpm/node_modules/.bin/tool'))).toEqual({ root: join(dir, 'pnpm/node_modules/.pnpm/tool@3.1.0/node_modules/tool'), name: 'tool', version: '3.1.0' });
  });

  it('never climbs out of an installed package into the project', () => {
    const dir = tempDir();
    writeTree(dir, {
      'package.json': JSON.stringify({ name: 'project', version: '1.0.0' }),
      'node_modules/@s/pkg/lib/package.json': '{"type":"module"}',
      'node_modules/@s/pkg/lib/x.js': '',
      'node_modules/stray.js': '',
    });
    expect(findProgram(join(dir, 'node_modules/@s/pkg/lib/x.js'))).toEqual({ root: join(dir, 'node_modules/@s/pkg/lib'), name: null, version: null });
    expect(findProgram(join(dir, 'node_modules/stray.js'))).toBeNull();
  });

  it('is null for entries that are no file, and caches per directory', () => {
    expect(findProgram('')).toBeNull();
    expect(findProgram('[eval]')).toBeNull();
    expect(findProgram('a\0b')).toBeNull();
    const dir = tempDir();
    writeTree(dir, { 'package.json': JSON.stringify({ name: 'first', version: '1.0.0' }), 'main.js': '' });
    expect(findProgram(join(dir, 'main.js'))?.name).toBe('first');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'second', version: '1.0.0' }));
    expect(findProgram(join(dir, 'other.js'))?.name).toBe('first');
    clearProgramCache();
    expect(findProgram(join(dir, 'main.js'))?.name).toBe('second');
  });
});
