/**
 * Which of the things a finished child left behind count as crashes.
 *
 * - Each process that wrote records counts once, by its last record (a descendant may crash on
 *   the same channel before the child does).
 * - A record flagged `handled` (an uncaughtException listener was installed) counts only when
 *   the child exited with status 7: Node's "the exception handler itself threw".
 * - Text that is not a record (another runtime's crash output, garbage) counts once.
 * - A death by a crash signal with nothing else to show counts as `crash/signal:<NAME>`.
 */
import type { ParsedCrash, StackCrash } from '../traceback/frame.js';

export const HANDLER_FAILED_STATUS = 7;

export function selectCrashes(parsed: readonly ParsedCrash[], exitCode: number | null): ParsedCrash[] {
  const lastByPid = new Map<number | undefined, StackCrash>();
  const lastHandledByPid = new Map<number | undefined, StackCrash>();
  const others: ParsedCrash[] = [];
  for (const crash of parsed) {
    if (crash.type !== 'stack' || crash.pid === undefined) {
      if (crash.type === 'stack' && crash.handled) lastHandledByPid.set(undefined, crash);
      else others.push(crash);
      continue;
    }
    (crash.handled ? lastHandledByPid : lastByPid).set(crash.pid, crash);
  }
  const counted: ParsedCrash[] = [...lastByPid.values()];
  if (exitCode === HANDLER_FAILED_STATUS) {
    for (const [pid, crash] of lastHandledByPid) if (!lastByPid.has(pid)) counted.push(crash);
  }
  // Many unrecognised pieces of text are still one crash.
  const unparsed = others.filter((c) => c.type === 'unparsed');
  return [...counted, ...others.filter((c) => c.type !== 'unparsed'), ...unparsed.slice(0, 1)];
}
