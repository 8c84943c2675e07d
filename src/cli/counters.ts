/** `watchdog counters`: every counter in the store, stack counters and the others. */
import { listCounters } from './counter-listing.js';

export const COUNTERS_USAGE = `Usage: watchdog counters [--program NAME[@VERSION]] [--since DATE|Nd|Nw] [--json]

Every counter in the store, most frequent first, with the same fields as watchdog stacks.`;

export function counters(argv: readonly string[]): number {
  return listCounters('counters', argv, COUNTERS_USAGE, () => true);
}
