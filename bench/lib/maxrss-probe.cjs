'use strict';
// Loaded with `node -r` into a measured process (the watchdog, or plain `node -e 0` for the
// baseline): on exit, writes the process's own peak resident set size in KiB to the file named by
// BENCH_MAXRSS_OUT. getrusage(RUSAGE_SELF) counts this process only, unlike `/usr/bin/time`, whose
// wait4() figure is the larger of the process and its waited-for children (the wrapped tool), and
// unlike polling /proc/<pid>/status, which cannot read VmHWM in the last moments before exit.
// Passed on the command line, not in NODE_OPTIONS, so the watchdog's child never loads it.
const out = process.env.BENCH_MAXRSS_OUT;
if (out) {
  process.on('exit', () => {
    try {
      require('node:fs').writeFileSync(out, String(process.resourceUsage().maxRSS));
    } catch {
      // Measurement trouble must not change the measured process's status.
    }
  });
}
