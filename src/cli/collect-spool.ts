/**
 * Before a listing: count the crashes waiting in the store's spool (src/crash/spool.ts), so a
 * crash of a process that outlived its watchdog (a detached descendant) shows in the very next
 * `watchdog stacks` or `counters`; and the crashes held aside while the store could not be
 * written (src/crash/holding.ts), so a user who fixed the store sees them at once.
 *
 * With an empty spool and nothing held this costs one readdir and a stat per holding root: the
 * crash path (dist/crash.cjs, parsers, source maps) is loaded only when a file is waiting.
 * Trouble is one line on stderr; the listing goes on. A store that still refuses held crashes
 * says nothing here: they were announced when they were held.
 */
import { heldWaiting } from '../crash/holding.js';
import { jobsInFlight, spoolDir, spoolWaiting } from '../crash/spool.js';
import { messageOf, warn } from '../run/warn.js';

/** How long a listing waits for a collector that is still mapping a deferred crash. */
const IN_FLIGHT_WAIT_MS = 5000;

export function collectWaitingCrashes(storeDir: string): void {
  const dir = spoolDir(storeDir);
  if (!spoolWaiting(dir) && !heldWaiting(storeDir)) return;
  try {
    const crashPath = require(`${__dirname}/crash.cjs`) as typeof import('../crash/index.js');
    crashPath.collectSpool(storeDir);
  } catch (error) {
    warn(`could not record the waiting crashes: ${messageOf(error)}`);
  }
  // A collector mapping a crash with big source maps: its count is moments away, so wait for it.
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + IN_FLIGHT_WAIT_MS; jobsInFlight(dir) && Date.now() < deadline; ) Atomics.wait(pause, 0, 0, 20);
}
