// Builds dist/ with esbuild: one small bundle per process role, so each role loads only its own code.
//   cli.cjs       the `watchdog` command: argument parsing and the supervised run (paid on every run)
//   crash.cjs     the crash path: parse, symbolize, normalize, count (loaded only when a crash arrives)
//   collect.cjs   the detached collector of deferred crashes (big source maps)
//   commands.cjs  the inspection commands (stacks, counters, dump, env)
//   test-command.cjs  `watchdog test`, apart because it carries execa
//   preload.cjs   runs inside Node children via NODE_OPTIONS=--require: only what start-up needs
//   preload-crash.cjs  the preload's crash-time half (build and write a record), required at a crash
//   index.js/cjs  the library API (setCrashOutput)
//   python/       the Python adapter (sitecustomize.py), copied as it is
// CommonJS bundles start measurably faster than ESM ones on Node 20 (no ESM loader), see BENCHMARKS.md.
import { build } from 'esbuild';
import { chmodSync, cpSync, rmSync, mkdirSync, readFileSync, renameSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

// Built beside dist/ and swapped in at the end, so a run that uses dist/ meanwhile never finds it half-built.
const out = `dist.building-${process.pid}`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

// The first two lines of cli.cjs: run as a program, it is a shell script that notes which signals its
// caller made it ignore (Node forgets them when it starts; src/run/ignored-signals.ts) and then
// runs itself with node; for node, the second line is a string and a comment. Costs one sh start
// (about 0.7 ms here) and, for a run, reading /proc/self/status (0.4 ms). The inspection commands
// (INSPECTION_COMMANDS in src/cli/main.ts) skip the read and get V8's code-cache checksums instead
// (src/cli/code-cache.ts).
const LAUNCHER = [
  '#!/bin/sh',
  `":" //; case $1 in stacks|counters|dump|env|test|help) exec node --verify-snapshot-checksum "$0" "$@";; esac; [ -r /proc/self/status ] && while read -r k v; do [ "$k" = SigIgn: ] && export WATCHDOG_CALLER_SIGIGN="$v" && break; done </proc/self/status; exec node "$0" "$@"`,
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __WATCHDOG_VERSION__: JSON.stringify(version) },
};

try {
  await Promise.all([
    // Minified, as the preload below: every run parses it.
    build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, format: 'cjs', outExtension: { '.js': '.cjs' }, outdir: out, banner: { js: LAUNCHER }, minify: true }),
    build({ ...common, entryPoints: { crash: 'src/crash/index.ts', collect: 'src/crash/collect-main.ts', commands: 'src/cli/commands.ts', 'test-command': 'src/cli/test.ts', 'preload-crash': 'src/child/crash-time.ts' }, format: 'cjs', outExtension: { '.js': '.cjs' }, outdir: out }),
    // Minified: every Node process under the watchdog parses it at start-up, and half the bytes
    // are half the parsing (0.7% of `node -e 0` in instructions, BENCHMARKS.md row 2).
    build({ ...common, entryPoints: { preload: 'src/child/preload.ts' }, format: 'cjs', outExtension: { '.js': '.cjs' }, outdir: out, minify: true }),
    build({ ...common, entryPoints: { index: 'src/index.ts' }, format: 'esm', outdir: out }),
    build({ ...common, entryPoints: { index: 'src/index.ts' }, format: 'cjs', outExtension: { '.js': '.cjs' }, outdir: out }),
  ]);
  // Runnable as `dist/cli.cjs`, as npm makes the installed bin: the launcher line is then in effect.
  chmodSync(`${out}/cli.cjs`, 0o755);
  // The Python adapter runs as it is: put first on PYTHONPATH by the watchdog.
  cpSync('src/child/python/sitecustomize.py', `${out}/python/sitecustomize.py`);
} catch (error) {
  // A failed build leaves dist/ as it was, and nothing beside it.
  rmSync(out, { recursive: true, force: true });
  throw error;
}
const old = `dist.old-${process.pid}`;
try {
  renameSync('dist', old);
} catch {
  // First build: no dist/ yet.
}
renameSync(out, 'dist');
rmSync(old, { recursive: true, force: true });
