/** `watchdog counters`: every counter in the store, stack counters and the others. */
import { DEFAULT_LIMIT, listCounters } from './counter-listing.js';

export const COUNTERS_USAGE = `Usage: watchdog counters [--program NAME[@VERSION]] [--since DATE|Nd|Nw] [--all | --limit N] [--json]

Every counter in the store, most frequent first, with the same fields and options as watchdog
stacks (the ${DEFAULT_LIMIT} most frequent unless --all or --limit N; --json prints all).`;

export function counters(argv: readonly string[]): number {
  return listCounters('counters', argv, COUNTERS_USAGE, '');
}
