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

// The spawn is marked at libuv's process handle, which node:child_process and the watchdog's
// own launcher (src/run/launch-libuv.ts) both go through; nothing more is loaded here, so each
// side's main-script phase holds what it loads itself (the spawner: node:child_process).
const { Process } = process.binding('process_wrap');
const spawn0 = Process.prototype.spawn;
Process.prototype.spawn = function (options) {
  marks.spawnCall = performance.now();
  const result = spawn0.call(this, options);
  marks.spawnReturn = performance.now();
  const onexit = this.onexit;
  this.onexit = function (...args) {
    marks.childExit = performance.now();
    return onexit.apply(this, args);
  };
  return result;
};
marks.main = performance.now();

if (out) {
  process.on('exit', () => {
    marks.exit = performance.now();
    const t = performance.nodeTiming;
    fs.writeFileSync(out, JSON.stringify({ bootstrap: t.bootstrapComplete, marks, costs }));
  });
}
