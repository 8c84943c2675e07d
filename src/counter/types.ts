/** Which program a counter belongs to: package.json name and version, or a command's base name and `devel`. */
export interface ProgramId {
  name: string;
  version: string;
}

/** One counter as read from the store: a name's count in one program@version and one week. */
export interface CounterRow {
  program: string;
  version: string;
  /** ISO week, `2026-W48` (UTC). */
  week: string;
  name: string;
  count: number;
}

/** One counter summed over the weeks read: what `watchdog stacks` and `counters` show. */
export interface CounterTotal {
  program: string;
  version: string;
  name: string;
  count: number;
  /** The ISO weeks (UTC) in which it was counted, ascending. Read-only: totals with the same weeks share one array. */
  weeks: readonly string[];
}
