/**
 * The stack counter name's promises, proved on real programs in temporary directories: each is
 * crashed under a tiny CallSite dumper (as the preload would record it) and as plain Node text.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { stackCounterName } from '../../src/stack/name.js';
import { clearProgramCache, findProgram } from '../../src/stack/program.js';
import { parseCrashOutput } from '../../src/traceback/index.js';
import { parseRecord } from '../../src/traceback/node-record.js';
import { crashText, crashWithRecord, tempDir, writeTree } from '../traceback/node-run.js';

beforeEach(() => clearProgramCache());

const PROGRAM: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'calc', version: '1.0.0' }),
  'src/parser.js': [
    "'use strict';",
    "const dep = require('fake-dep');",
    'class Parser {',
    '  constructor(source) {',
    '    this.source = source;',
    '  }',
    '',
    '  parse() {',
    '    return dep.each([this.source], (s) => this.token(s));',
    '  }',
    '',
    '  token(s) {',
    "    if (s === '@') {",
    "      throw new SyntaxError('unexpected @ in ' + s);",
    '    }',
    '    return s;',
    '  }',
    '}',
    'module.exports = { Parser };',
    '',
  ].join('\n'),
  'main.js': "'use strict';\nconst { Parser } = require('./src/parser.js');\n\nnew Parser('@').parse();\n",
  'node_modules/fake-dep/package.json': JSON.stringify({ name: 'fake-dep', version: '0.1.0', main: 'lib/index.js' }),
  'node_modules/fake-dep/lib/index.js': "'use strict';\nexports.each = function each(list, fn) {\n  return list.map((x) => fn(x));\n};\n",
};

/** The name from the record a CallSite dump gives, with the root found from the record's entry. */
function recordName(dir: string, entry = 'main.js'): string {
  const crash = parseRecord(crashWithRecord(dir, entry).record)!;
  const program = findProgram(crash.entry!);
  return stackCounterName(crash.frames, program?.root ?? null);
}

/** The name from the text Node prints, the root found from the entry script. */
function textName(dir: string, entry = 'main.js'): string {
  const [crash] = parseCrashOutput(crashText(dir, entry));
  if (crash?.type !== 'stack') throw new Error('no stack');
  return stackCounterName(crash.frames, findProgram(join(dir, entry))?.root ?? null);
}

describe('the stack counter name of a real program', () => {
  it('is what the format says', () => {
    const dir = tempDir();
    writeTree(dir, PROGRAM);
    expect(recordName(dir)).toBe(
      [
        'crash/crash',
        'src/parser.js:token:+2',
        'src/parser.js:<anonymous>:+0',
        'fake-dep/lib/index.js:<anonymous>:+0',
        '<builtin>:map',
        'fake-dep/lib/index.js:each:+1',
        'src/parser.js:parse:+1',
        'main.js:<module>:+3',
      ].join('\n'),
    );
    expect(textName(dir)).toBe(
      [
        'crash/crash',
        'src/parser.js:token:14',
        'src/parser.js:<anonymous>:9',
        'fake-dep/lib/index.js:<anonymous>:3',
        '<builtin>:map',
        'fake-dep/lib/index.js:each:3',
        'src/parser.js:parse:9',
        'main.js:<module>:4',
      ].join('\n'),
    );
  });

  it('is the same for the same program in two directories', () => {
    const a = tempDir('wd-copy-a-');
    const b = join(tempDir('wd-copy-b-'), 'deeper', 'still');
    writeTree(a, PROGRAM);
    mkdirSync(b, { recursive: true });
    cpSync(a, b, { recursive: true });
    const fromA = recordName(a);
    expect(recordName(b)).toBe(fromA);
    expect(textName(b)).toBe(textName(a));
    for (const name of [fromA, textName(a)]) {
      expect(name).not.toContain(a);
      expect(name).not.toContain('/tmp');
    }
  });

  it('does not change when lines are inserted above the crashing function', () => {
    const dir = tempDir();
    writeTree(dir, PROGRAM);
    const before = recordName(dir);
    const textBefore = textName(dir);
    const file = join(dir, 'src/parser.js');
    const source = readFileSync(file, 'utf8');
    writeFileSync(file, source.replace("'use strict';\n", "'use strict';\n// a comment\n\nconst unused = 1;\n\n"));
    expect(recordName(dir)).toBe(before);
    // Text has no function start: its absolute lines move (why records carry the offset).
    expect(textName(dir)).not.toBe(textBefore);
    // Module code's "function" is the whole file: lines above top-level code do move it.
    const main = join(dir, 'main.js');
    writeFileSync(main, readFileSync(main, 'utf8').replace("'use strict';\n", "'use strict';\n\n// more\n"));
    expect(recordName(dir)).toBe(before.replace('main.js:<module>:+3', 'main.js:<module>:+5'));
  });

  it('gives a dependency the same path in nested and pnpm layouts', () => {
    const nested = tempDir('wd-nested-');
    writeTree(nested, PROGRAM);
    writeTree(nested, {
      'node_modules/fake-dep/node_modules/inner/package.json': JSON.stringify({ name: 'inner', version: '1.0.0' }),
      'node_modules/fake-dep/node_modules/inner/index.js': 'module.exports = function inner(fn) { return fn(); };\n',
      'node_modules/fake-dep/lib/index.js': "'use strict';\nconst inner = require('inner');\nexports.each = function each(list, fn) {\n  return list.map((x) => inner(() => fn(x)));\n};\n",
    });
    const pnpm = tempDir('wd-pnpm-');
    const { 'node_modules/fake-dep/package.json': depPkg, 'node_modules/fake-dep/lib/index.js': _depIndex, ...own } = PROGRAM;
    writeTree(pnpm, own);
    const store = join(pnpm, 'node_modules/.pnpm');
    writeTree(store, {
      'fake-dep@0.1.0/node_modules/fake-dep/package.json': depPkg!,
      'fake-dep@0.1.0/node_modules/fake-dep/lib/index.js': readFileSync(join(nested, 'node_modules/fake-dep/lib/index.js'), 'utf8'),
      'inner@1.0.0/node_modules/inner/package.json': JSON.stringify({ name: 'inner', version: '1.0.0' }),
      'inner@1.0.0/node_modules/inner/index.js': 'module.exports = function inner(fn) { return fn(); };\n',
    });
    symlinkSync('../../inner@1.0.0/node_modules/inner', join(store, 'fake-dep@0.1.0/node_modules/inner'));
    symlinkSync('.pnpm/fake-dep@0.1.0/node_modules/fake-dep', join(pnpm, 'node_modules/fake-dep'));

    const name = recordName(nested);
    expect(name).toContain('\ninner/index.js:inner:+0\n');
    expect(name).toContain('\nfake-dep/lib/index.js:each:+1\n');
    expect(recordName(pnpm)).toBe(name);
    expect(textName(pnpm)).toBe(textName(nested));
  });

  it('names CommonJS and ES module top-level code <module>, before and after an await', () => {
    const dir = tempDir();
    writeTree(dir, {
      'package.json': JSON.stringify({ name: 'tops', version: '1.0.0' }),
      'cjs.js': "'use strict';\n\nnull.x;\n",
      'esm.mjs': '\n\nnull.x;\n',
      'esm-await.mjs': 'await null;\n\nnull.x;\n',
      'arrow.mjs': '[1].forEach(() => {\n  null.x;\n});\n',
    });
    expect(recordName(dir, 'cjs.js')).toBe('crash/crash\ncjs.js:<module>:+2');
    expect(recordName(dir, 'esm.mjs')).toBe('crash/crash\nesm.mjs:<module>:+2');
    expect(recordName(dir, 'esm-await.mjs')).toBe('crash/crash\nesm-await.mjs:<module>:+2');
    expect(recordName(dir, 'arrow.mjs')).toBe('crash/crash\narrow.mjs:<anonymous>:+1\n<builtin>:forEach\narrow.mjs:<module>:+0');
    expect(textName(dir, 'cjs.js')).toBe('crash/crash\ncjs.js:<module>:3');
    expect(textName(dir, 'esm.mjs')).toBe('crash/crash\nesm.mjs:<module>:3');
    // After an await, V8's text no longer shows that ES module code is module code.
    expect(textName(dir, 'esm-await.mjs')).toBe('crash/crash\nesm-await.mjs:<anonymous>:3');
  });
});
