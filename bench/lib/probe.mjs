/** Peak RSS of a measured Node process, through bench/lib/maxrss-probe.cjs (see there for why). */
import { readFileSync, rmSync } from 'node:fs';
import { MAXRSS_PROBE } from './paths.mjs';

/** Node arguments and environment that make the process write its peak RSS (KiB) to `file` on exit. */
export function maxRssProbe(file) {
  return {
    nodeArgs: ['-r', MAXRSS_PROBE],
    env: { BENCH_MAXRSS_OUT: file },
    reset: () => rmSync(file, { force: true }),
    read: () => {
      const kib = Number(readFileSync(file, 'utf8'));
      if (!Number.isFinite(kib) || kib <= 0) throw new Error(`bad maxRSS in ${file}`);
      return kib;
    },
  };
}
