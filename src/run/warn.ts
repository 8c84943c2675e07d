/** The watchdog's own trouble: one line on stderr, prefixed, never a stack trace. */
export function warn(message: string): void {
  try {
    process.stderr.write(`watchdog: ${message.split('\n', 1)[0]}\n`);
  } catch {
    // stderr closed: nothing else to do.
  }
}

/** The message of anything thrown, for that one line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
