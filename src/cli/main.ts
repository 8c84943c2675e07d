/**
 * The `watchdog` entry point. It is loaded on every run of a wrapped tool, so it holds only the
 * run path; the inspection commands live in commands.cjs and are loaded when asked for.
 */
import { dirname } from 'node:path';
import { storeDir } from '../counter/location.js';
import { messageOf, warn } from '../run/warn.js';
import { requireBundle } from './code-cache.js';
import { parseRunArgs } from './run-args.js';
import { MAIN_USAGE } from './usage.js';

const INSPECTION_COMMANDS = new Set(['stacks', 'counters', 'dump', 'env', 'test', 'help']);

function main(argv: string[]): void {
  const first = argv[0];
  if (first !== undefined && INSPECTION_COMMANDS.has(first)) {
    // Through V8's code cache: parsing this bundle was a third of a listing's own cost.
    const commands = requireBundle<typeof import('./commands.js')>(`${__dirname}/commands.cjs`);
    // exitCode, not exit(): a large listing written to a pipe must be flushed before Node exits.
    commands.runCommand(first, argv.slice(1)).then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        warn(messageOf(error));
        process.exitCode = 2;
      },
    );
    return;
  }
  const parsed = parseRunArgs(argv);
  switch (parsed.kind) {
    case 'help':
      process.stdout.write(`${MAIN_USAGE}\n`);
      return;
    case 'version':
      process.stdout.write(`watchdog ${__WATCHDOG_VERSION__}\n`);
      return;
    case 'error':
      warn(parsed.message);
      process.exit(2);
      return;
    case 'run': {
      // Required here, not imported: the run path's modules, which the inspection commands above
      // never need.
      const { supervise } = require('../run/supervise.js') as typeof import('../run/supervise.js');
      supervise({ ...parsed.run, storeDir: storeDir(), distDir: dirname(__filename) });
    }
  }
}

main(process.argv.slice(2));
