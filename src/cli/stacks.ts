/** `watchdog stacks`: the recorded crashes (every `crash/` counter), most frequent first. */
import { listCounters } from './counter-listing.js';

export const STACKS_USAGE = `Usage: watchdog stacks [--program NAME[@VERSION]] [--since DATE|Nd|Nw] [--json]

The recorded crash counters, most frequent first: each with its count (summed over the weeks
selected), program@version and the weeks it was seen. Stack counters show one line per frame,
innermost first. --json prints an array of {program, version, name, count, weeks}.`;

export function stacks(argv: readonly string[]): number {
  return listCounters('stacks', argv, STACKS_USAGE, (name) => name.startsWith('crash/'));
}
