/** `watchdog env`: where the store is, why there, and which files it holds. */
import { listStoreFiles } from '../counter/files.js';
import { storeDir } from '../counter/location.js';
import { parseOptions } from './options.js';
import { neutralise } from './terminal.js';

export const ENV_USAGE = `Usage: watchdog env [--json]

Where the store is (WATCHDOG_DIR, else the user's data directory), and its files.`;

export function env(argv: readonly string[]): number {
  const options = parseOptions('env', argv, { flags: ['json'] });
  if (options.flags.has('help')) {
    process.stdout.write(`${ENV_USAGE}\n`);
    return 0;
  }
  const dir = storeDir();
  const source = process.env.WATCHDOG_DIR ? 'WATCHDOG_DIR' : process.env.XDG_DATA_HOME?.startsWith('/') ? 'XDG_DATA_HOME' : 'default';
  const files = listStoreFiles(dir);
  if (options.flags.has('json')) {
    process.stdout.write(`${JSON.stringify({ store: dir, source, version: __WATCHDOG_VERSION__, files }, null, 2)}\n`);
    return 0;
  }
  const lines = [`store:   ${neutralise(dir)}   (from ${source})`, `version: watchdog ${__WATCHDOG_VERSION__}`, `files:   ${files.length}`];
  for (const file of files) lines.push(`  ${String(file.size).padStart(9)}  ${neutralise(file.path)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
