/** `watchdog stacks`: the recorded crashes (every `crash/` counter), most frequent first. */
import { DEFAULT_LIMIT, listCounters } from './counter-listing.js';

export const STACKS_USAGE = `Usage: watchdog stacks [--program NAME[@VERSION]] [--since DATE|Nd|Nw] [--all | --limit N] [--json]

The recorded crash counters, most frequent first: each with its count (summed over the weeks
selected), program@version and the weeks it was seen. Stack counters show one line per frame,
innermost first. The ${DEFAULT_LIMIT} most frequent are shown, then how many more there are: --all shows
every one, --limit N the N most frequent. --json prints an array of {program, version, name,
count, weeks} for all of them (or the --limit N most frequent).`;

export function stacks(argv: readonly string[]): number {
  return listCounters('stacks', argv, STACKS_USAGE, 'crash/');
}
