/**
 * Small crashing (and non-crashing) programs, each run with and without the preload.
 * Every error message carries MARKER, which must never reach the channel.
 */
import { transformSync } from 'esbuild';
import { MARKER } from './helpers.js';

/**
 * Note: an error thrown by ES module top-level code reaches 'uncaughtExceptionMonitor' with origin
 * 'unhandledRejection' (Node evaluates the module as a promise), though Node prints it exactly as
 * an uncaught exception; the record keeps Node's origin.
 */
export interface Program {
  name: string;
  /** Files to write: the first one is run. */
  files: Record<string, string>;
  /** Node flags before the script. */
  flags?: string[];
  /** Expected exit code of both runs. */
  code: number;
  /** Expected records (with the preload): kind/errorClass/handled of each, in order. */
  records: Array<{ kind: string; errorClass: string | null; handled?: boolean; frames?: 'callsites' | 'text' | 'none' }>;
  /** Something the printed output must contain (proves the case is what it claims to be). */
  stderrHas?: string;
  stdoutHas?: string;
}

const M = MARKER;

/** A TypeScript module compiled by esbuild with an inline source map; line 8 of mapped.ts throws. */
function mapped(format: 'cjs' | 'esm'): string {
  const ts = [
    'interface Options {',
    '  depth: number;',
    '}',
    '',
    'type Alias = string;',
    '',
    'export function explode(o: Options): never {',
    `  throw new Error('${M} mapped ' + o.depth);`,
    '}',
    '',
    'explode({ depth: 1 });',
    '',
  ].join('\n');
  return transformSync(ts, { loader: 'ts', format, sourcemap: 'inline', sourcefile: 'mapped.ts' }).code;
}

export const PROGRAMS: Program[] = [
  {
    name: 'cjs-nested',
    files: {
      'cjs-nested.cjs': `'use strict';
function inner() {
  throw new TypeError('${M} nested');
}
function outer() {
  return inner();
}
outer();
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'TypeError', frames: 'callsites' }],
  },
  {
    name: 'esm-throw',
    files: {
      'esm-throw.mjs': `export function boom() {
  throw new Error('${M} esm');
}
boom();
`,
    },
    code: 1,
    records: [{ kind: 'unhandledRejection', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'async-chain',
    files: {
      'async-chain.mjs': `async function a() {
  await null;
  throw new Error('${M} async');
}
async function b() { await a(); }
async function c() { await b(); }
c();
`,
    },
    code: 1,
    records: [{ kind: 'unhandledRejection', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'esm-top-level-await',
    files: { 'tla.mjs': `await Promise.resolve();\nthrow new URIError('${M} tla');\n` },
    code: 1,
    records: [{ kind: 'unhandledRejection', errorClass: 'URIError', frames: 'callsites' }],
  },
  {
    name: 'reject-error',
    files: { 'reject-error.cjs': `function later() {\n  return Promise.reject(new RangeError('${M} reject'));\n}\nlater();\n` },
    code: 1,
    records: [{ kind: 'unhandledRejection', errorClass: 'RangeError', frames: 'callsites' }],
  },
  {
    name: 'reject-non-error',
    files: { 'reject-42.cjs': `Promise.reject(42);\nPromise.reject('${M}');\n` },
    code: 1,
    stderrHas: 'ERR_UNHANDLED_REJECTION',
    records: [{ kind: 'unhandledRejection', errorClass: 'UnhandledPromiseRejection', frames: 'callsites' }],
  },
  {
    name: 'class-method',
    files: {
      'class-method.cjs': `class Parser {
  parse(s) {
    if (s) throw new SyntaxError('${M} parse');
  }
}
new Parser().parse('x');
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'SyntaxError', frames: 'callsites' }],
  },
  {
    name: 'throw-string',
    files: { 'throw-string.cjs': `function f() {\n  throw '${M} string';\n}\nf();\n` },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'string', frames: 'none' }],
  },
  {
    name: 'throw-null',
    files: { 'throw-null.cjs': `throw null;\n` },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'null', frames: 'none' }],
  },
  {
    name: 'handler-throws',
    files: {
      'handler-throws.cjs': `process.on('uncaughtException', () => {
  throw new Error('${M} in handler');
});
function f() {
  throw new Error('${M} first');
}
f();
`,
    },
    code: 7,
    records: [{ kind: 'uncaughtException', errorClass: 'Error', handled: true, frames: 'callsites' }],
  },
  {
    name: 'handler-swallows',
    files: {
      'handler-swallows.cjs': `process.on('uncaughtException', (e) => {
  console.log('swallowed', e.message);
  process.exit(0);
});
function f() {
  throw new Error('${M} swallowed');
}
f();
`,
    },
    code: 0,
    records: [{ kind: 'uncaughtException', errorClass: 'Error', handled: true, frames: 'callsites' }],
  },
  {
    name: 'stack-overflow',
    files: { 'stack-overflow.cjs': `function r(n) {\n  return r(n + 1) + 1;\n}\nr(0);\n` },
    code: 1,
    stderrHas: 'Maximum call stack size exceeded',
    records: [{ kind: 'uncaughtException', errorClass: 'RangeError', frames: 'callsites' }],
  },
  {
    name: 'node-internal-error',
    files: { 'node-internal.cjs': `const fs = require('fs');\nfunction read() {\n  return fs.readFileSync({});\n}\nread();\n` },
    code: 1,
    stderrHas: 'TypeError [ERR_INVALID_ARG_TYPE]',
    records: [{ kind: 'uncaughtException', errorClass: 'TypeError', frames: 'callsites' }],
  },
  {
    name: 'system-error',
    files: { 'enoent.cjs': `require('fs').readFileSync('/nonexistent/${M}');\n` },
    code: 1,
    stderrHas: 'ENOENT',
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'assert',
    files: { 'assert.cjs': `const assert = require('assert');\nassert.strictEqual(1, 2, '${M} assert');\n` },
    code: 1,
    stderrHas: 'AssertionError [ERR_ASSERTION]',
    records: [{ kind: 'uncaughtException', errorClass: 'AssertionError', frames: 'callsites' }],
  },
  {
    name: 'multiline-message',
    files: {
      'multiline.cjs': `function f() {
  throw new Error('${M} line one\\n    at fake (/${M}.js:1:1)\\nline three ${M}');
}
f();
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'log-caught',
    files: {
      'log-caught.cjs': `try {
  JSON.parse('{${M}');
} catch (e) {
  console.log(e.stack);
}
try {
  null.x;
} catch (e) {
  console.log(String(e.stack));
}
console.log(typeof Error.prepareStackTrace, Error.prepareStackTrace && Error.prepareStackTrace.name);
`,
    },
    code: 0,
    stdoutHas: 'SyntaxError',
    records: [],
  },
  {
    name: 'source-maps-flag',
    files: { 'mapped.cjs': mapped('cjs') },
    flags: ['--enable-source-maps'],
    code: 1,
    stderrHas: 'mapped.ts:8',
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'source-maps-esm',
    files: { 'mapped.mjs': mapped('esm') },
    flags: ['--enable-source-maps'],
    code: 1,
    stderrHas: 'mapped.ts:8',
    records: [{ kind: 'unhandledRejection', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'source-maps-enabled-at-run-time',
    files: { 'enable.cjs': `process.setSourceMapsEnabled(true);\nrequire('./mapped.cjs');\n`, 'mapped.cjs': mapped('cjs') },
    code: 1,
    stderrHas: 'mapped.ts:8',
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'source-maps-off-has-generated-lines',
    files: { 'mapped.cjs': mapped('cjs') },
    code: 1,
    stderrHas: 'mapped.cjs:',
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'callsites' }],
  },
  ...[50, 0, 3].map(
    (limit): Program => ({
      name: `stack-trace-limit-${limit}`,
      files: {
        [`limit-${limit}.cjs`]: `Error.stackTraceLimit = ${limit};
function r(n) {
  if (n === 0) throw new Error('${M} deep');
  return r(n - 1) + 1;
}
try {
  r(30);
} catch (e) {
  console.log(e.stack);
}
r(30);
`,
      },
      code: 1,
      records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: limit === 0 ? 'none' : 'callsites' }],
    }),
  ),
  {
    name: 'capture-stack-trace',
    files: {
      'capture.cjs': `const o = { name: 'Custom', message: '${M} obj' };
function f() {
  Error.captureStackTrace(o, g);
}
function g() {
  f();
}
function h() {
  g();
}
h();
console.log(o.stack);
throw o;
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'Object', frames: 'callsites' }],
  },
  {
    name: 'aggregate-error',
    files: {
      'aggregate.cjs': `function f() {
  throw new AggregateError([new Error('${M} a'), new TypeError('${M} b')], '${M} agg');
}
f();
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'AggregateError', frames: 'callsites' }],
  },
  {
    name: 'vm-new-context',
    files: {
      'vm.cjs': `const vm = require('vm');
vm.runInNewContext('function g() {\\n  throw new Error("${M} vm");\\n}\\ng();\\n', {}, { filename: 'ctx.js' });
`,
    },
    code: 1,
    stderrHas: 'ctx.js:2',
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'user-formatter-set-later',
    files: {
      'user-formatter.cjs': `Error.prepareStackTrace = (err, trace) => 'custom ' + err.name + ' ' + trace.length;
function f() {
  throw new Error('${M} custom');
}
f();
`,
    },
    code: 1,
    stderrHas: 'custom Error',
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'user-formatter-formatted-before',
    files: {
      'formatted.cjs': `Error.prepareStackTrace = (err, trace) => String(err) + trace.map((s) => '\\n    at ' + s).join('');
function f() {
  const e = new Error('${M} custom\\n    at fake (/${M}.js:1:1)');
  void e.stack;
  throw e;
}
f();
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'text' }],
  },
  {
    name: 'worker-error-unhandled',
    files: {
      'worker.cjs': `const { Worker } = require('worker_threads');
new Worker('function w() { throw new Error("${M} worker"); }\\nw();', { eval: true });
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'Error' }],
  },
  {
    name: 'worker-error-handled',
    files: {
      'worker-handled.cjs': `const { Worker } = require('worker_threads');
const w = new Worker('throw new Error("${M} worker")', { eval: true });
w.on('error', () => console.log('worker failed'));
`,
    },
    code: 0,
    stdoutHas: 'worker failed',
    records: [],
  },
  {
    name: 'capture-callback',
    files: {
      'capture-callback.cjs': `process.setUncaughtExceptionCaptureCallback((e) => console.log('captured', e.name));
function f() {
  throw new EvalError('${M} captured');
}
f();
`,
    },
    code: 0,
    stdoutHas: 'captured EvalError',
    records: [{ kind: 'uncaughtException', errorClass: 'EvalError', handled: true, frames: 'callsites' }],
  },
  {
    name: 'throw-proxy',
    files: {
      'throw-proxy.cjs': `const traps = {};
for (const t of ['get', 'has', 'getPrototypeOf', 'ownKeys', 'getOwnPropertyDescriptor', 'apply']) {
  traps[t] = (...a) => { process.stdout.write('trap ' + t + ' ' + String(a[1]) + '\\n'); return Reflect[t](...a); };
}
throw new Proxy(new Error('${M} proxy'), traps);
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'object', frames: 'none' }],
  },
  {
    name: 'stack-getter-throws',
    files: {
      'stack-getter.cjs': `const e = new Error('${M} getter');
Object.defineProperty(e, 'stack', { get() { throw new Error('no stack'); } });
throw e;
`,
    },
    code: 1,
    // V8 may or may not have formatted the stack before the getter replaced it.
    records: [{ kind: 'uncaughtException', errorClass: 'Error' }],
  },
  {
    name: 'stack-replaced',
    files: {
      'stack-replaced.cjs': `const e = new Error('${M} replaced');
// The header no longer matches the message: only the trailing frame lines are taken.
e.stack = 'Error: ${M} replaced\\n${M} second line\\n    at real (/y.js:2:2)\\n    at /z.js:3:3';
e.message = 'changed';
throw e;
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'text' }],
  },
  {
    // Printed output stays under a pipe's 64 KiB: Node may drop the end of a larger uncaught
    // report written to a pipe whose reader lags, with or without the preload.
    name: 'huge-names',
    files: {
      'huge.cjs': `Error.stackTraceLimit = 100;
const fns = [];
for (let i = 0; i < 40; i++) {
  const name = 'n'.repeat(1100) + i;
  fns.push({ [name]: function (k) { if (k === 0) throw new Error('${M}'); return fns[k - 1](k - 1) + 1; } }[name]);
}
fns[39](39);
`,
    },
    code: 1,
    records: [{ kind: 'uncaughtException', errorClass: 'Error', frames: 'callsites' }],
  },
  {
    name: 'clean-exit',
    files: { 'ok.cjs': `console.log('fine');\nprocess.exitCode = 3;\n` },
    code: 3,
    records: [],
  },
];
