/**
 * dist/collect.cjs: the detached collector the watchdog starts for deferred jobs (defer.ts).
 * `node collect.cjs <store dir>` counts what waits in the store's spool and exits; it prints
 * nothing (its stdio is closed) and a failure leaves the jobs for the next collector.
 */
import { collectSpool } from './index.js';

try {
  const dir = process.argv[2];
  if (dir) collectSpool(dir);
} catch {
  // The jobs stay in the spool; the next run or listing takes them.
}
