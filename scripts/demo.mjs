// The quick start's main job: run a shipped crash fixture under the watchdog, then show what was
// recorded. Uses a store of its own (WATCHDOG_DIR) so a demo never mixes with real counters.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const store = process.env.WATCHDOG_DIR ?? mkdtempSync(join(tmpdir(), 'watchdog-demo-'));
const env = { ...process.env, WATCHDOG_DIR: store };
const cli = join('dist', 'cli.cjs');
const show = (title, args) => {
  console.log(`\n$ watchdog ${args.join(' ')}    # ${title}`);
  return spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env });
};

const run = show('a crashing program, run as usual: its output and exit status are untouched', ['--', 'node', 'fixtures/cjs-nested/main.js', 'some-input']);
console.log(`(exit status ${run.status})`);
show('what the watchdog recorded: function names and line offsets, nothing else', ['stacks']);
console.log(`\nStore used for this demo: ${store}`);
