/**
 * `watchdog env`: where the store is, why there, and which files it holds; crashes held aside
 * while it could not be written (src/crash/holding.ts, counted by the next run or listing), and
 * where the code cache of these commands lives.
 */
import { listStoreFiles } from '../counter/files.js';
import { storeDir } from '../counter/location.js';
import { heldFor } from '../crash/holding.js';
import { cacheDir } from './code-cache.js';
import { parseOptions } from './options.js';
import { neutralise } from './terminal.js';
import { messageOf } from '../run/warn.js';

export const ENV_USAGE = `Usage: watchdog env [--json]

Where the store is (WATCHDOG_DIR, else the user's data directory), and its files; crashes held
aside while the store could not be written (the next run or listing counts them); where the code
cache of the inspection commands is ($XDG_CACHE_HOME/watchdog, else ~/.cache/watchdog).`;

export function env(argv: readonly string[]): number {
  const options = parseOptions('env', argv, { flags: ['json'] });
  if (options.flags.has('help')) {
    process.stdout.write(`${ENV_USAGE}\n`);
    return 0;
  }
  const dir = storeDir();
  const source = process.env.WATCHDOG_DIR ? 'WATCHDOG_DIR' : process.env.XDG_DATA_HOME?.startsWith('/') ? 'XDG_DATA_HOME' : 'default';
  // A store that cannot be read is what this command is often asked about: say so, and go on.
  let files: ReturnType<typeof listStoreFiles> = [];
  let problem: string | null = null;
  try {
    files = listStoreFiles(dir);
  } catch (error) {
    problem = messageOf(error);
  }
  const held = heldFor(dir);
  const cache = cacheDir(process.env);
  if (options.flags.has('json')) {
    process.stdout.write(`${JSON.stringify({ store: dir, source, version: __WATCHDOG_VERSION__, files, problem, held, codeCache: cache }, null, 2)}\n`);
    return 0;
  }
  const lines = [`store:   ${neutralise(dir)}   (from ${source})`, `version: watchdog ${__WATCHDOG_VERSION__}`, problem === null ? `files:   ${files.length}` : `files:   none read: ${neutralise(problem)}`];
  for (const file of files) lines.push(`  ${String(file.size).padStart(9)}  ${neutralise(file.path)}`);
  for (const h of held) lines.push(`held:    ${h.crashes} crash${h.crashes === 1 ? '' : 'es'} waiting for the store in ${neutralise(h.dir)}`);
  lines.push(`cache:   ${cache === null ? 'none (no home directory)' : neutralise(cache)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
