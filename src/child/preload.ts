/**
 * The Node preload: `--require <dist>/preload.cjs`, added to NODE_OPTIONS by the watchdog.
 *
 * It runs inside someone else's program, in every Node process that inherits NODE_OPTIONS
 * (descendants and worker threads included), so it must never throw, never change behaviour and
 * cost next to nothing. Without WATCHDOG_CRASH_FD it does nothing at all, not even load a module;
 * with it, one fstat, and when the descriptor is the watchdog's channel (channel.ts),
 * enableCrashOutput on it. A process under the watchdog without the channel (a descendant that
 * Node, npm or npx started: they pass only fds 0-2) records into the spool named by
 * WATCHDOG_CRASH_SPOOL instead (spool.ts), which costs nothing more at start-up: the directory is
 * checked only when there is a crash. The channel holder keeps the spool as a fallback, for a
 * record the channel takes none of (it outlived the watchdog).
 *
 * This bundle holds only what must happen at start-up: the channel check and the installing
 * (set-crash-output.ts, stack-hook.ts). Building and writing a record is its second bundle,
 * preload-crash.cjs beside it (crash-time.ts), required when a crash happens. Imports are static:
 * esbuild then runs the modules' top levels in place, with none of the interop it adds to a
 * bundled `require`, and those top levels only capture builtins.
 */
import { openChannel } from './channel.js';
import { enableCrashOutput, enableCrashSpool, setCrashTimeLoader } from './set-crash-output.js';

try {
  if (process.env.WATCHDOG_CRASH_FD !== undefined) {
    const fd = openChannel(process.env);
    const spool = process.env.WATCHDOG_CRASH_SPOOL;
    if (fd !== null || (spool !== undefined && spool !== '')) {
      // Not a string literal, so that esbuild leaves it to Node: a path, resolved at the crash.
      const crashBundle = `${__dirname}/preload-crash.cjs`;
      setCrashTimeLoader(() => require(crashBundle) as unknown);
      if (fd !== null) enableCrashOutput(fd, spool ?? null);
      else enableCrashSpool(spool as string);
    }
  }
} catch {
  // Stay inert.
}
