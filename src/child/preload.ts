/**
 * The Node preload: `--require <dist>/preload.cjs`, added to NODE_OPTIONS by the watchdog.
 *
 * It runs inside someone else's program, in every Node process that inherits NODE_OPTIONS
 * (descendants and worker threads included), so it must never throw, never change behaviour and
 * cost next to nothing: without WATCHDOG_CRASH_FD it does nothing at all, not even load its other
 * modules (the bundle initializes a `require`d module only when it is required); with it, one
 * fstat, and when the descriptor is the watchdog's channel (channel.ts), setCrashOutput on it.
 * A process under the watchdog without the channel (a descendant that Node, npm or npx started:
 * they pass only fds 0-2) records into the spool named by WATCHDOG_CRASH_SPOOL instead (spool.ts),
 * which costs nothing more at start-up: the directory is checked only when there is a crash. The
 * channel holder keeps the spool as a fallback, for a record the channel takes none of (it
 * outlived the watchdog).
 * Everything heavier waits for a crash.
 */
type Channel = typeof import('./channel.js');
type CrashOutput = typeof import('./set-crash-output.js');

try {
  if (process.env.WATCHDOG_CRASH_FD !== undefined) {
    // `require`, not `import`: esbuild initializes these modules here, not at load.
    const { openChannel } = require('./channel.js') as Channel;
    const fd = openChannel(process.env);
    const spool = process.env.WATCHDOG_CRASH_SPOOL;
    if (fd !== null) {
      (require('./set-crash-output.js') as CrashOutput).enableCrashOutput(fd, spool ?? null);
    } else if (spool !== undefined && spool !== '') {
      (require('./set-crash-output.js') as CrashOutput).enableCrashSpool(spool);
    }
  }
} catch {
  // Stay inert.
}
