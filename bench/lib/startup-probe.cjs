'use strict';
// Loaded with `node -r` into the watchdog or the minimal spawner by bench/startup-profile.mjs:
// records when the process reaches each phase of a supervised run, and what each require and
// the run path's few system calls cost, then writes it all as JSON to BENCH_PROBE_OUT on exit.
// Everything is patched on the module objects, which the bundles look up at call time.
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const Module = require('node:module');

const out = process.env.BENCH_PROBE_OUT;
const marks = {};
const costs = [];
const timed = (label, fn, self, args) => {
  const t = performance.now();
  try {
    return fn.apply(self, args);
  } finally {
    costs.push([label, performance.now() - t]);
  }
};

const require0 = Module.prototype.require;
Module.prototype.require = function (id) {
  return timed(`require ${id}`, require0, this, [id]);
};
for (const name of ['mkdirSync', 'readFileSync', 'readSync', 'fstatSync']) {
  const original = fs[name];
  fs[name] = function (...args) {
    return timed(`fs.${name}`, original, this, args);
  };
}
const on0 = process.on;
process.on = function (event, listener) {
  return typeof event === 'string' && event.startsWith('SIG') ? timed('process.on(SIG*)', on0, this, [event, listener]) : on0.call(this, event, listener);
};

// child_process is loaded here, before the main script, so its own load is not in the script's phase
// (the spawner loads it too); `main` is marked after it.
const cp = require0.call(module, 'node:child_process');
const spawn0 = cp.spawn;
cp.spawn = function (...args) {
  marks.spawnCall = performance.now();
  const child = spawn0.apply(this, args);
  marks.spawnReturn = performance.now();
  child.once('exit', () => (marks.childExit = performance.now()));
  return child;
};
marks.main = performance.now();

if (out) {
  process.on('exit', () => {
    marks.exit = performance.now();
    const t = performance.nodeTiming;
    fs.writeFileSync(out, JSON.stringify({ bootstrap: t.bootstrapComplete, marks, costs }));
  });
}
