import { describe, expect, it } from 'vitest';
import { parseNodeStderr, recogniseNodeStderr } from '../../src/traceback/node-stderr.js';
import { type Expected, brief, describeCorpus, describeRobustness, framesOf, readSample } from './corpus/load.js';

/**
 * What each corpus sample must give. node:internal frames are kept here, as parseV8Text keeps
 * them: the normalizer drops them.
 */
const EXPECTED: Record<string, Expected> = {
  'proj-cause.txt': {
    kind: 'exception',
    errorClass: 'ConfigError',
    frames: [
      ['load', '/tmp/wdgen/node/proj/node_modules/confy/lib/index.js', 13],
      ['readSettings', '/tmp/wdgen/node/proj/src/cli.js', 5],
      ['executeUserEntryPoint', 'node:internal/modules/run_main', 164],
      [null, 'node:internal/main/run_main_module', 28],
    ],
  },
  'proj-reject.txt': {
    kind: 'exception',
    errorClass: 'TypeError',
    frames: [
      ['fetchToken', 'file:///tmp/wdgen/node/proj/src/reject.mjs', 3],
      ['run', 'file:///tmp/wdgen/node/proj/src/reject.mjs', 7],
    ],
  },
  'proj-reject-string.txt': {
    kind: 'unhandledRejection',
    errorClass: 'UnhandledPromiseRejection',
    frames: [
      ['throwUnhandledRejectionsMode', 'node:internal/process/promises', 389],
      ['processPromiseRejections', 'node:internal/process/promises', 470],
      ['processTicksAndRejections', 'node:internal/process/task_queues', 96],
    ],
  },
  'proj-throw-string.txt': {
    kind: 'exception',
    errorClass: null,
    frames: [
      [null, '/tmp/wdgen/node/proj/src/throw-string.js', 2],
    ],
  },
  'proj-oom.txt': { name: 'crash/oom' },
  'mdn-local-oom-1.txt': { name: 'crash/oom' },
  'nodejs-oom-2.txt': { name: 'crash/oom' },
  'promise-any-1.txt': {
    kind: 'unhandledRejection',
    errorClass: 'UnhandledPromiseRejection',
    frames: [
      [null, 'node:internal/process/promises', 279],
    ],
  },
  'error-stack-parser-1.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      ['ErrorStackParser$$parse', '/Users/gajus/Documents/dev/gajus/react-boilerplate/node_modules/isomorphic-webpack/node_modules/error-stack-parser/error-stack-parser.js', 35],
    ],
  },
  'node-repl-1.txt': {
    kind: 'exception',
    errorClass: 'Error',
    frames: [
      [null, 'REPL2', 1],
      ['Promise', null, null],
      [null, 'REPL2', 1],
      ['runInThisContext', 'node:vm', 132],
      ['defaultEval', 'node:repl', 474],
      ['bound', 'node:domain', 430],
      ['runBound', 'node:domain', 443],
      ['onLine', 'node:repl', 793],
      ['emit', 'node:events', 339],
      ['emit', 'node:domain', 486],
    ],
  },
  'webpack-1.txt': {
    kind: 'exception',
    errorClass: null,
    frames: [
      ['create', '/home/davedude/public_html/ConjunctionJunction/node_modules/webpack/lib/util/hash/wasm-hash.js', 154],
      ['exports', '/home/davedude/public_html/ConjunctionJunction/node_modules/webpack/lib/util/createHash.js', 160],
      [null, '/home/davedude/public_html/ConjunctionJunction/node_modules/webpack/lib/DefinePlugin.js', 289],
      ['_next31', null, 40],
      ['_next9', null, 95],
      ['eval', null, 117],
      ['CALL_DELEGATE', '/home/davedude/public_html/ConjunctionJunction/node_modules/tapable/lib/Hook.js', 14],
      ['newCompilation', '/home/davedude/public_html/ConjunctionJunction/node_modules/webpack/lib/Compiler.js', 1109],
    ],
  },
  'npm-1.txt': {
    kind: 'exception',
    errorClass: null,
    frames: [],
  },
};

describeCorpus('node', 'node', recogniseNodeStderr, parseNodeStderr, EXPECTED);

describe('parseNodeStderr details', () => {
  it('reads the Node version from the trailer', () => {
    expect(parseNodeStderr(readSample('node/proj-reject.txt'))).toMatchObject({ runtimeVersion: 'v20.20.2' });
    expect(parseNodeStderr(readSample('node/error-stack-parser-1.txt'))).toMatchObject({ runtimeVersion: null });
  });

  it('does not take the [cause] stack inside the properties block for the error\'s', () => {
    const frames = framesOf(parseNodeStderr(readSample('node/proj-cause.txt')));
    expect(frames.filter((f) => f.function === 'main')).toEqual([]);
  });

  it('gives crash/oom for heap exhaustion whatever came before, and fatal error for other V8 fatal errors', () => {
    const before = readSample('node/proj-reject.txt');
    expect(parseNodeStderr(before + readSample('node/mdn-local-oom-1.txt'))).toEqual({ type: 'counter', name: 'crash/oom', runtime: 'node', entry: null });
    expect(parseNodeStderr('FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal\n 1: 0xb7f6f0 node::Abort() [node]\n')).toMatchObject({ type: 'stack', kind: 'fatal error', frames: [] });
  });

  it('takes the place Node printed first as the one frame of a thrown non-error', () => {
    const crash = parseNodeStderr(readSample('node/proj-throw-string.txt'));
    expect(brief(framesOf(crash))).toEqual([[null, '/tmp/wdgen/node/proj/src/throw-string.js', 2]]);
  });

  it('recognises the trailer, FATAL ERROR, and the opening file:line, code, caret lines', () => {
    expect(recogniseNodeStderr('Node.js v22.1.0\n')).toBe(true);
    expect(recogniseNodeStderr('C:\\app\\main.js:4\n  throw e;\n  ^\n')).toBe(true);
    expect(recogniseNodeStderr('/app/main.js:4\n  throw e;\n')).toBe(false);
    expect(recogniseNodeStderr('Error: x\n    at f (/a.js:1:1)\n')).toBe(false);
    expect(recogniseNodeStderr('')).toBe(false);
  });
});

describeRobustness('node', parseNodeStderr, recogniseNodeStderr, 'Node.js v20.0.0');
