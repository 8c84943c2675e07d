/**
 * Leaving with the child's status: the same exit code, or death by the same signal, so a shell
 * or CI sees exactly what it would have seen without the watchdog.
 */

/**
 * Dies by `signal`. Node ignores some signals (SIGPIPE) or handles them (SIGUSR1 starts the
 * inspector); adding and removing a listener makes libuv restore the default action first.
 * If the signal still does not end us (our parent made us ignore it), exit as a shell reports
 * such a death: 128 + the signal number.
 */
export function dieBySignal(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  const reset = (): void => {};
  try {
    process.on(signal, reset);
    process.removeListener(signal, reset);
  } catch {
    // SIGKILL and SIGSTOP take no listener, and need no reset.
  }
  try {
    process.kill(process.pid, signal);
  } catch {
    // Fall through to the numeric status.
  }
  // Delivery to a multi-threaded process may lag the kill() call by a moment: wait before falling back.
  const { constants } = require('node:os') as typeof import('node:os');
  const number = (constants.signals as Record<string, number>)[signal] ?? 0;
  setTimeout(() => process.exit(128 + number), 500);
}
