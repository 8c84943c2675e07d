/**
 * Signal forwarding: signals sent to the watchdog reach the child, once.
 *
 * Invariants:
 * - Every forwarded signal has a listener for as long as the child runs, so the watchdog itself
 *   never dies of it (Node would otherwise die on SIGTERM or start its inspector on SIGUSR1)
 *   and never exits before its child.
 * - Signals a terminal sends to the whole foreground process group (Ctrl-C, Ctrl-\, resize,
 *   hang-up) already reached the child when it shares our group: forwarding would deliver a
 *   second one, which many CLIs treat as "force quit". Those are forwarded only when they
 *   cannot have come from the terminal to both of us.
 */
import { readFileSync } from 'node:fs';
import type { LaunchedChild } from './launch.js';

/**
 * Signals someone may send to stop or steer the command. SIGALRM is among them (`kill -ALRM`,
 * `timeout -s ALRM`): unforwarded, it would kill the watchdog and orphan the child. Not here:
 * crash signals and SIGSYS/SIGTRAP (a kill(1) of those is indistinguishable from a fault), the
 * process's own resource and timer signals (SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF), and job
 * control (SIGTSTP, SIGTTIN, SIGTTOU: the watchdog must stop with its child for a shell to see
 * the job stopped).
 */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM'] as const;
type Forwarded = (typeof FORWARDED_SIGNALS)[number];

/** Signals a terminal delivers to its whole foreground process group. */
const TERMINAL_GROUP_SIGNALS = new Set<Forwarded>(['SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGWINCH']);

interface ProcStat {
  pgrp: number;
  ttyNr: number;
  tpgid: number;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
function procStat(pid: number | 'self'): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(fields[2]), ttyNr: Number(fields[4]), tpgid: Number(fields[5]) };
  } catch {
    return null;
  }
}

/**
 * True when the terminal most likely sent `signal` to the child as well: we are in the
 * foreground process group of a controlling terminal and the child is still in our group.
 */
function terminalAlsoSignalledChild(signal: Forwarded, childPid: number): boolean {
  if (!TERMINAL_GROUP_SIGNALS.has(signal)) return false;
  const self = procStat('self');
  if (self === null) {
    // No /proc (macOS): a terminal on stdin is the best available hint.
    return process.stdin.isTTY === true;
  }
  if (self.ttyNr === 0 || self.tpgid !== self.pgrp) return false;
  const child = procStat(childPid);
  return child !== null && child.pgrp === self.pgrp;
}

/**
 * Starts forwarding, except `ignored` (what the caller made the command ignore, see
 * ignored-signals.ts); returns a function that stops it (removes every listener it added).
 */
export function forwardSignals(child: Pick<LaunchedChild, 'pid' | 'exited' | 'kill'>, ignored: ReadonlySet<string> = new Set()): () => void {
  const listeners = new Map<Forwarded, () => void>();
  for (const signal of FORWARDED_SIGNALS) {
    if (ignored.has(signal)) continue;
    const listener = (): void => {
      if (child.exited) return;
      if (terminalAlsoSignalledChild(signal, child.pid)) return;
      try {
        child.kill(signal);
      } catch {
        // The child is gone; its exit is handled elsewhere.
      }
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return () => {
    for (const [signal, listener] of listeners) process.removeListener(signal, listener);
  };
}
