/**
 * What `stacks` and `counters` share: read the store, filter, sum over the selected weeks, and
 * print for people or as JSON for scripts.
 */
import { readTotals } from '../counter/read.js';
import type { CounterRow, CounterTotal } from '../counter/types.js';
import { storeDir } from '../counter/location.js';
import { warn } from '../run/warn.js';
import { collectWaitingCrashes } from './collect-spool.js';
import { parseOptions, parseSince, type ParsedOptions } from './options.js';
import { neutralise, paint, useColour } from './terminal.js';

/** A counter summed over the selected weeks (the store's CounterTotal): what --json prints. */
export type CounterSummary = CounterTotal;

/** Code-unit order: stable across locales, and far cheaper than localeCompare on long names. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Most frequent first, then by program, version and name. */
export function sortSummaries(totals: CounterSummary[]): CounterSummary[] {
  return totals.sort((a, b) => b.count - a.count || byText(a.program, b.program) || byText(a.version, b.version) || byText(a.name, b.name));
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

export const LISTING_OPTIONS = { values: ['program', 'since'], flags: ['json'] } as const;

export function listCounters(command: string, argv: readonly string[], usage: string, keep: (name: string) => boolean): number {
  const options: ParsedOptions = parseOptions(command, argv, LISTING_OPTIONS);
  if (options.flags.has('help')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const sinceValue = options.values.get('since');
  const since = sinceValue === undefined ? undefined : parseSince(sinceValue);
  const programFilter = options.values.get('program');
  collectWaitingCrashes(storeDir());
  const { totals, damage } = readTotals(storeDir(), { since, program: programFilter });
  for (const line of damage) warn(line);
  const summaries = sortSummaries(totals.filter((s) => keep(s.name)));
  if (options.flags.has('json')) {
    process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
  } else if (summaries.length === 0) {
    process.stdout.write(`no ${command === 'stacks' ? 'crashes' : 'counters'} recorded${programFilter ? ` for ${neutralise(programFilter)}` : ''}${sinceValue ? ` since ${neutralise(sinceValue)}` : ''} (store: ${neutralise(storeDir())})\n`);
  } else {
    process.stdout.write(`${render(summaries, useColour())}\n`);
  }
  return 0;
}
