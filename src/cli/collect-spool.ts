/**
 * Before a listing: count the crashes waiting in the store's spool (src/crash/spool.ts), so a
 * crash of a process that outlived its watchdog (a detached descendant) shows in the very next
 * `watchdog stacks` or `counters`.
 *
 * With an empty spool this costs one readdir: the crash path (dist/crash.cjs, parsers, source
 * maps) is loaded only when a file is waiting. Trouble is one line on stderr; the listing goes on.
 */
import { spoolDir, spoolWaiting } from '../crash/spool.js';
import { warn } from '../run/warn.js';

export function collectWaitingCrashes(storeDir: string): void {
  if (!spoolWaiting(spoolDir(storeDir))) return;
  try {
    const crashPath = require(`${__dirname}/crash.cjs`) as typeof import('../crash/index.js');
    crashPath.collectSpool(storeDir);
  } catch (error) {
    warn(`could not record the waiting crashes: ${error instanceof Error ? error.message : String(error)}`);
  }
}
