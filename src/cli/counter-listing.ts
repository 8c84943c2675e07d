/**
 * What `stacks` and `counters` share: read the store, filter, sum over the selected weeks, and
 * print for people or as JSON for scripts. People get the most frequent DEFAULT_LIMIT counters
 * and a line saying how many more there are (thousands of stacks are read by nobody, and printing
 * them was a third of the command's time); --all or --limit N for more, --json for everything.
 */
import { compareTotals, readTopTotals } from '../counter/read.js';
import type { CounterRow, CounterTotal } from '../counter/types.js';
import { storeDir } from '../counter/location.js';
import { warn } from '../run/warn.js';
import { collectWaitingCrashes } from './collect-spool.js';
import { UsageError, parseOptions, parseSince, type ParsedOptions } from './options.js';
import { neutralise, paint, useColour, writeStdout } from './terminal.js';

/** A counter summed over the selected weeks (the store's CounterTotal): what --json prints. */
export type CounterSummary = CounterTotal;

/** How many counters a listing for people shows unless told otherwise. */
export const DEFAULT_LIMIT = 20;

/** Most frequent first, then by program, version and name (code-unit order). */
export function sortSummaries(totals: CounterSummary[]): CounterSummary[] {
  return totals.sort(compareTotals);
}

/** Per-week rows (as the store holds them) summed into totals; for callers that have rows. */
export function summarise(rows: readonly CounterRow[]): CounterSummary[] {
  const byKey = new Map<string, { program: string; version: string; name: string; count: number; weeks: string[] }>();
  for (const row of rows) {
    const key = `${row.program}\u0000${row.version}\u0000${row.name}`;
    let summary = byKey.get(key);
    if (summary === undefined) {
      summary = { program: row.program, version: row.version, name: row.name, count: 0, weeks: [] };
      byKey.set(key, summary);
    }
    summary.count += row.count;
    if (!summary.weeks.includes(row.week)) summary.weeks.push(row.week);
  }
  for (const s of byKey.values()) s.weeks.sort();
  return sortSummaries([...byKey.values()]);
}

function weekSpan(weeks: readonly string[]): string {
  if (weeks.length === 1) return weeks[0]!;
  return `${weeks[0]}..${weeks[weeks.length - 1]} (${weeks.length} weeks)`;
}

export function render(summaries: readonly CounterSummary[], colour: boolean): string {
  const p = paint(colour);
  const width = Math.max(1, ...summaries.map((s) => String(s.count).length));
  const blocks = summaries.map((s) => {
    const [first = '', ...frames] = neutralise(s.name, true).split('\n');
    const head = `${p.bold(String(s.count).padStart(width))}  ${p.cyan(`${neutralise(s.program)}@${neutralise(s.version)}`)}  ${p.dim(weekSpan(s.weeks))}`;
    const indent = ' '.repeat(width + 2);
    return [head, `${indent}${p.bold(first)}`, ...frames.map((f) => `${indent}  ${f}`)].join('\n');
  });
  return blocks.join('\n\n');
}

export const LISTING_OPTIONS = { values: ['program', 'since', 'limit'], flags: ['json', 'all'] } as const;

/** `--limit N`: a whole number from 1 on. */
function parseLimit(value: string): number {
  if (/^[1-9]\d{0,8}$/.test(value)) return Number(value);
  throw new UsageError(`--limit takes a whole number from 1 on, not ${JSON.stringify(value)}`);
}

/**
 * Lists the counters whose names start with `prefix`. --json prints all of them (or the --limit
 * most frequent); people get DEFAULT_LIMIT unless --all or --limit says otherwise.
 */
export function listCounters(command: string, argv: readonly string[], usage: string, prefix: string): number {
  const options: ParsedOptions = parseOptions(command, argv, LISTING_OPTIONS);
  if (options.flags.has('help')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const sinceValue = options.values.get('since');
  const since = sinceValue === undefined ? undefined : parseSince(sinceValue);
  const programFilter = options.values.get('program');
  const limitValue = options.values.get('limit');
  const json = options.flags.has('json');
  if (limitValue !== undefined && options.flags.has('all')) throw new UsageError(`${command}: --all and --limit exclude each other`);
  const limit = limitValue !== undefined ? parseLimit(limitValue) : json || options.flags.has('all') ? undefined : DEFAULT_LIMIT;
  collectWaitingCrashes(storeDir());
  const { totals: summaries, more, damage } = readTopTotals(storeDir(), { since, program: programFilter, prefix, limit, summaries: true });
  for (const line of damage) warn(line);
  if (json) {
    writeStdout(`${JSON.stringify(summaries, null, 2)}\n`);
  } else if (summaries.length === 0) {
    writeStdout(`no ${command === 'stacks' ? 'crashes' : 'counters'} recorded${programFilter ? ` for ${neutralise(programFilter)}` : ''}${sinceValue ? ` since ${neutralise(sinceValue)}` : ''} (store: ${neutralise(storeDir())})\n`);
  } else {
    const colour = useColour();
    const tail = more > 0 ? `\n\n${paint(colour).dim(`… ${more} more (watchdog ${command} --all, or --limit N)`)}` : '';
    writeStdout(`${render(summaries, colour)}${tail}\n`);
  }
  return 0;
}
