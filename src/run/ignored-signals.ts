/**
 * Signals the caller made the command ignore stay ignored under the watchdog: `nohup` (SIGHUP),
 * a non-interactive shell's `cmd &` (SIGINT, SIGQUIT), systemd's IgnoreSIGPIPE.
 *
 * Node resets every ignored signal to its default action when it starts, and libuv does so again
 * in each child it spawns, so neither the watchdog nor the command would see what the caller set.
 * Hence:
 * - The mask is read before Node starts, by the launcher line of the `watchdog` executable
 *   (scripts/build.mjs), and handed over in CALLER_SIGIGN_VAR: the SigIgn field of
 *   /proc/self/status, in hex, bit N-1 for signal N.
 * - The watchdog ignores those signals itself: it neither dies of them nor forwards them.
 * - The command is started through `/bin/sh -c 'trap "" N...; exec "$0" "$@"'`, which ignores
 *   them again just before the exec; an ignored disposition survives exec. This costs one sh exec,
 *   and only when the mask is not empty.
 * Without the launcher (`node dist/cli.cjs`, or no /proc) the mask is unknown and nothing changes.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const CALLER_SIGIGN_VAR = 'WATCHDOG_CALLER_SIGIGN';

const SHELL = '/bin/sh';

/** Linux signal numbers of the signals a Node listener may stand in for SIG_IGN. */
const LISTENABLE: Readonly<Record<number, NodeJS.Signals>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  10: 'SIGUSR1',
  12: 'SIGUSR2',
  14: 'SIGALRM',
  15: 'SIGTERM',
  // 16 (SIGSTKFLT) has no name in Node.
  17: 'SIGCHLD',
  18: 'SIGCONT',
  20: 'SIGTSTP',
  21: 'SIGTTIN',
  22: 'SIGTTOU',
  23: 'SIGURG',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  26: 'SIGVTALRM',
  27: 'SIGPROF',
  28: 'SIGWINCH',
  29: 'SIGIO',
  30: 'SIGPWR',
  31: 'SIGSYS',
};

/**
 * The signal numbers the caller ignored, from the launcher's mask; empty when there is none or it
 * is not a mask. SIGKILL and SIGSTOP cannot be ignored and are never listed.
 */
export function callerIgnoredSignals(env: NodeJS.ProcessEnv): number[] {
  const mask = env[CALLER_SIGIGN_VAR];
  if (mask === undefined || !/^[0-9a-fA-F]{1,16}$/.test(mask)) return [];
  const bits = BigInt(`0x${mask}`);
  const signals: number[] = [];
  for (let n = 1; n <= 64; n++) {
    if (n !== 9 && n !== 19 && (bits >> BigInt(n - 1)) & 1n) signals.push(n);
  }
  return signals;
}

/**
 * Makes the watchdog ignore `signals` as its caller asked, with listeners that do nothing (Node
 * cannot set SIG_IGN). Returns the names now ignored, which must not be forwarded either. Crash
 * signals a fault raises (SIGSEGV, SIGBUS, SIGILL, SIGFPE) cannot be listened to safely and keep
 * their default, as do those Node has no name for.
 */
export function ignoreInWatchdog(signals: readonly number[]): Set<NodeJS.Signals> {
  const ignored = new Set<NodeJS.Signals>();
  for (const n of signals) {
    const name = LISTENABLE[n];
    // Node already ignores SIGPIPE; SIGCHLD, SIGCONT, SIGURG and SIGWINCH stop or kill nobody.
    if (name === undefined || name === 'SIGCHLD' || name === 'SIGCONT' || name === 'SIGURG') continue;
    process.on(name, ignoreSignal);
    ignored.add(name);
  }
  return ignored;
}

function ignoreSignal(): void {
  // Ignored, as the caller asked.
}

/** True when execvp would find an executable regular file for `command` (a name or a path). */
function resolvable(command: string, path: string | undefined): boolean {
  const candidates = command.includes('/') ? [command] : (path ?? '').split(delimiter).map((dir) => join(dir || '.', command));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      // Not this one.
    }
  }
  return false;
}

/**
 * How to spawn `command args` so that it starts with `signals` ignored: through sh when there are
 * any and the command can be found; otherwise directly, so that a command that cannot be started
 * gets the watchdog's own 126/127 line, not the shell's.
 */
export function spawnIgnoring(command: string, args: readonly string[], signals: readonly number[], env: NodeJS.ProcessEnv): { file: string; args: string[] } {
  // sh's exec takes no `--`: a command named like an option is started directly.
  const direct = signals.length === 0 || command.startsWith('-') || !resolvable(command, env.PATH) || !resolvable(SHELL, undefined);
  if (direct) return { file: command, args: [...args] };
  return { file: SHELL, args: ['-c', `trap '' ${signals.join(' ')}; exec "$0" "$@"`, command, ...args] };
}
