/**
 * Run by parsers-limits.test.ts, bundled, in a process of its own with a capped heap: builds one
 * huge or pathological input (argv[2] names the case), runs every parser that could see it, and
 * prints {ms, hwmMiB, results} as JSON. A parser that throws makes the process fail; one that
 * needs unbounded memory runs out of the capped heap; one that takes unbounded time is caught
 * by the test's timeout.
 */
import { readFileSync } from 'node:fs';
import { Records, decodeCounts, decodeNames } from '../../src/counter/format.js';
import { stackCounterName } from '../../src/stack/name.js';
import { parseSourceMap } from '../../src/symbolize/load.js';
import { decodeDataUrl, findSourceMappingURL } from '../../src/symbolize/locate.js';
import type { ParsedCrash } from '../../src/traceback/frame.js';
import { parseCrashOutput } from '../../src/traceback/index.js';
import { parseRecord } from '../../src/traceback/node-record.js';
import { parseNodeReport } from '../../src/traceback/node-report.js';
import { parseBun, parseDeno } from '../../src/traceback/deno-bun.js';
import { parseGo } from '../../src/traceback/go.js';
import { parseNodeStderr } from '../../src/traceback/node-stderr.js';
import { parsePython } from '../../src/traceback/python.js';
import { parseRust } from '../../src/traceback/rust.js';
import { parseV8Text } from '../../src/traceback/v8.js';

const MB = 1024 * 1024;
const big = (n = 10 * MB, c = 'x'): string => c.repeat(n);
const lines = (line: string, n: number): string => line.repeat(n);

/** Every text input of a case goes through all of these. */
const TEXT: [string, (t: string) => unknown][] = [
  ['parseCrashOutput', parseCrashOutput],
  ['parseRecord', parseRecord],
  ['parseNodeReport', parseNodeReport],
  ['parseV8Text', parseV8Text],
  ['parseNodeStderr', parseNodeStderr],
  ['parseGo', parseGo],
  ['parsePython', parsePython],
  ['parseRust', parseRust],
  ['parseDeno', parseDeno],
  ['parseBun', parseBun],
  // Its caller hands it the last 64 KiB of a file, never more (locate.ts).
  ['findSourceMappingURL', (t) => findSourceMappingURL(t.slice(-64 * 1024))],
  // Its caller hands it at most maxMapBytes (64 MiB by default, read-rule.ts).
  ['parseSourceMap', (t) => (t.length <= 64 * MB ? parseSourceMap(t, 'file:///app/out.js.map')?.lookup(1, 1) : null)],
];

/** Each input is built only when its turn comes, so the peak holds one input at a time. */
const frame = '{"file":"/app/a.js","fn":"f","line":1,"col":1,"encLine":1,"encCol":1}';
const CASES: Record<string, (() => string)[]> = {
  'a 10 MB single line': [
    () => big(),
    () => `    at ${big()}`,
    () => `    at f (${big(10 * MB, '(')})`,
    () => `{"watchdog":1,"kind":"${big()}"}`,
    () => `{"header":{"event":"${big()}"}}`,
    () => `Error: ${big()}\n    at f (/a.js:1:1)`,
    () => `Traceback (most recent call last):\n  File "${big()}", line 1, in f\nValueError: x`,
    () => `panic: x\n\ngoroutine 1 [running]:\nmain.${big()}()\n\t/a/b.go:1 +0x1\n`,
    () => `thread 'main' panicked at ${big()}:1:1:\nx\nstack backtrace:\n   0: f\n`,
    () => `//# sourceMappingURL=data:application/json;base64,${big(10 * MB, 'A')}`,
  ],
  'a million frames of every runtime': [
    () => `Error: x\n${lines('    at f (/app/a.js:1:1)\n', 1_000_000)}`,
    () => `/app/a.js:1\nthrow e\n^\n\nError: x\n${lines('    at f (/app/a.js:1:1)\n', 1_000_000)}\nNode.js v20.20.2\n`,
    () => `panic: x\n\ngoroutine 1 [running]:\n${lines('main.f()\n\t/app/main.go:1 +0x1\n', 1_000_000)}`,
    () => `Traceback (most recent call last):\n${lines('  File "/app/a.py", line 1, in f\n    f()\n', 1_000_000)}ValueError: x\n`,
    () => `thread 'main' panicked at src/main.rs:1:1:\nx\nstack backtrace:\n${lines('   0: app::f\n             at ./src/main.rs:1:1\n', 1_000_000)}`,
    () => `error: Uncaught (in promise) Error: x\n${lines('    at f (file:///app/a.ts:1:1)\n', 1_000_000)}`,
    () => '\n'.repeat(10 * MB),
  ],
  'records: a million frames, deep nesting, __proto__ keys': [
    () => `{"watchdog":1,"kind":"uncaughtException","frames":[${Array(1_000_000).fill(frame).join(',')}]}`,
    () => `{"watchdog":1,"kind":"uncaughtException","frames":[${Array(200_000).fill(frame).join(',')}]}`,
    // Nested as deep as the channel's 1 MiB allows (JSON.parse itself takes ~0.3 s on it).
    () => `{"watchdog":1,"kind":${'['.repeat(500_000)}${']'.repeat(500_000)}}`,
    () => `{"watchdog":1,"frames":[${'{"fn":'.repeat(300_000)}1${'}'.repeat(300_000)}]}`,
    () => `{"header":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}`,
    () => '['.repeat(1_000_000),
    () => `{"watchdog":1,${Array.from({ length: 200_000 }, (_, i) => `"__proto__":{"p${i}":1},"constructor":{"prototype":{"x":1}}`).join(',')}}`,
    () => `{"watchdog":1,"frames":[${Array(100_000).fill('{"__proto__":{"file":"/x","fn":"polluted","line":1},"file":{"__proto__":null}}').join(',')}]}`,
    () => Array(20_000).fill(`{"watchdog":1,"kind":"uncaughtException","frames":[${frame}],"pid":1}`).join('\n'),
  ],
  'source maps: 10 MB of mappings, huge tables, nesting': [
    () => JSON.stringify({ version: 3, sources: ['a.ts'], names: [], mappings: 'AAAA,'.repeat(2 * MB) }),
    () => JSON.stringify({ version: 3, sources: ['a.ts'], names: [], mappings: 'gggggggggggggggggggggggg'.repeat(400_000) }),
    () => JSON.stringify({ version: 3, sources: Array(1_000_000).fill('../../../../etc/passwd'), names: Array(1_000_000).fill('n'), mappings: ';'.repeat(MB) + 'AAAA' }),
    () => `{"version":3,"sections":${'[{"offset":{"line":0,"column":0},"map":{"version":3,"sections":'.repeat(50_000)}[]${'}}]'.repeat(50_000)}}`,
  ],
};

function crashesChecked(value: unknown): void {
  // Every crash's frames stay within the parsers' documented ceilings.
  const list = Array.isArray(value) ? value : [value];
  for (const c of list as ParsedCrash[]) {
    if (c && typeof c === 'object' && c.type === 'stack') {
      if (c.frames.length > 256) throw new Error(`${c.frames.length} frames kept`);
      stackCounterName(c.frames, '/app', c.runtime);
    }
  }
}

function hwmMiB(): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'));
  return m ? Number(m[1]) / 1024 : 0;
}

const name = process.argv[2]!;
const make = CASES[name];
if (name === 'list') {
  process.stdout.write(JSON.stringify(Object.keys(CASES)));
} else if (make === undefined) {
  throw new Error(`no case ${name}`);
} else {
  const timings: Record<string, number> = {};
  const start = performance.now();
  for (const [i, makeInput] of make.entries()) {
    const input = makeInput();
    for (const [parser, parse] of TEXT) {
      const t = performance.now();
      crashesChecked(parse(input));
      const ms = performance.now() - t;
      timings[`${i}:${parser}`] = Math.round(ms);
    }
    decodeDataUrl(input, 64 * MB);
  }
  // The store decoders on 16 MB of random bytes and of repeated magic numbers (a real week file
  // holds 20 bytes per crash).
  if (name === 'a 10 MB single line') {
    const noise = Buffer.allocUnsafe(16 * MB);
    for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((Math.random() * 0x100000000) >>> 0, i);
    const magic = Buffer.alloc(16 * MB);
    for (let i = 0; i < magic.length; i += 4) magic.writeUInt32LE(i % 8 ? 0x314357ff : 0x314e57ff, i);
    for (const b of [noise, magic]) {
      for (const decode of [decodeNames, decodeCounts]) {
        const t = performance.now();
        const r = new Records();
        decode(b, b.length, r);
        timings[`store:${decode.name}`] = Math.round(performance.now() - t);
      }
    }
  }
  const slowest = Object.entries(timings).sort((a, b) => b[1] - a[1]).slice(0, 3);
  process.stdout.write(JSON.stringify({ ms: Math.round(performance.now() - start), hwmMiB: Math.round(hwmMiB()), inputs: make.length, slowest, polluted: Object.keys(Object.prototype) }));
}
