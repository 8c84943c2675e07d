'use strict';
// The floor the watchdog is measured against: spawn a command with inherited stdio and a socket on
// fd 3 (drained), and leave with its status. Bench knobs, both read after the child is spawned or
// before it, never on its path: BENCH_CHILD_NODE_OPTIONS becomes the child's NODE_OPTIONS (so this
// process itself does not load what it hands the child); BENCH_CHILD_TIMING=1 writes the child's
// spawn-to-exit time on stderr.
const { spawn } = require('node:child_process');
const [command, ...args] = process.argv.slice(2);
const env = { ...process.env };
if (env.BENCH_CHILD_NODE_OPTIONS !== undefined) env.NODE_OPTIONS = env.BENCH_CHILD_NODE_OPTIONS;
delete env.BENCH_CHILD_NODE_OPTIONS;
const started = process.hrtime.bigint();
const child = spawn(command, args, { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env });
child.stdio[3].resume();
child.on('error', () => process.exit(127));
child.on('exit', (code, signal) => {
  if (env.BENCH_CHILD_TIMING === '1') process.stderr.write(`\nbench-child-ms=${Number(process.hrtime.bigint() - started) / 1e6}\n`);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
