// What raising Error.stackTraceLimit would cost, and what the stack hook costs.
// `new Error()` 60 frames deep: at Error.stackTraceLimit 10 vs 24, without reading `stack`
// (capture only) and with it (capture + format), with Node's formatter alone and with a hook that
// keeps a copy of the CallSites in a WeakMap (what src/child/stack-hook.ts does).
// Each configuration runs in its own process, interleaved, several rounds; medians of ns/error.
// Usage: node test/child/bench-stack-limit.mjs [rounds=5]
import { spawnSync } from 'node:child_process';

const rounds = Number(process.argv[2] ?? 5);
const child = `
const [hook, limit, read] = process.argv.slice(1);
const orig = Error.prepareStackTrace;
const seen = new WeakMap();
if (hook === 'hook') Error.prepareStackTrace = function (e, t) { seen.set(e, t.slice()); return orig.call(this, e, t); };
Error.stackTraceLimit = Number(limit);
const N = 20000;
function deep(n, f) { return n === 0 ? f() : deep(n - 1, f) + 0; }
function work() {
  let s = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) { const e = new Error('m'); if (read === 'stack') s += e.stack.length; }
  return Number(process.hrtime.bigint() - t0) / N;
}
deep(60, work);
const r = [];
for (let k = 0; k < 5; k++) r.push(deep(60, work));
r.sort((a, b) => a - b);
console.log(r[2]);
`;
const configs = [];
for (const read of ['new', 'stack']) for (const hook of ['node', 'hook']) for (const limit of [10, 24]) configs.push([hook, String(limit), read]);
const results = new Map(configs.map((c) => [c.join(' '), []]));
for (let i = 0; i < rounds; i++) {
  for (const c of configs) {
    const r = spawnSync(process.execPath, ['-e', child, ...c], { encoding: 'utf8' });
    results.get(c.join(' ')).push(Number(r.stdout));
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [k, v] of results) {
  const [hook, limit, read] = k.split(' ');
  if (hook === 'hook' && read === 'new') continue; // the hook does not run without a read
  console.log(`${read === 'new' ? 'new Error()        ' : 'new Error() + stack'} limit ${limit.padStart(2)} ${hook.padEnd(4)}  ${median(v).toFixed(0).padStart(6)} ns/error`);
}
