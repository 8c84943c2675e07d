/** `watchdog dump`: the store as it is on disk, record by record, damage included. */
import { dumpStore } from '../counter/dump.js';
import { storeDir } from '../counter/location.js';
import { parseOptions } from './options.js';
import { neutralise } from './terminal.js';

export const DUMP_USAGE = `Usage: watchdog dump

Every store file and every record in it as written on disk (offset, kind, hash, delta or name),
with damaged stretches marked. For counts, see watchdog counters.`;

export function dump(argv: readonly string[]): number {
  const options = parseOptions('dump', argv, {});
  if (options.flags.has('help')) {
    process.stdout.write(`${DUMP_USAGE}\n`);
    return 0;
  }
  process.stdout.write(`${neutralise(dumpStore(storeDir()), true)}\n`);
  return 0;
}
