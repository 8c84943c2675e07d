/**
 * Golden files of `watchdog test`: the counters a fixture must record, as text a reviewer reads
 * in a diff. Blocks separated by a blank line; each block is `<count> <program>@<version>`, then
 * the counter name, one line per name line. Lines starting with `#` before the first block are
 * comments.
 */
import type { CounterSummary } from './counter-listing.js';

export interface GoldenCounter {
  program: string;
  count: number;
  name: string;
}

export const GOLDEN_HEADER = '# Counters this fixture must record (watchdog test --update rewrites this file).';

export function formatGolden(counters: readonly GoldenCounter[]): string {
  const blocks = [...counters]
    .sort((a, b) => a.program.localeCompare(b.program) || a.name.localeCompare(b.name))
    .map((c) => `${c.count} ${c.program}\n${c.name}`);
  return `${[GOLDEN_HEADER, ...blocks].join('\n\n')}\n`;
}

export function parseGolden(text: string): GoldenCounter[] {
  const counters: GoldenCounter[] = [];
  const body = text.replace(/\r\n/g, '\n').split('\n').filter((line, i, all) => !(line.startsWith('#') && all.slice(0, i).every((l) => l.startsWith('#') || l === '')));
  for (const block of body.join('\n').split(/\n{2,}/)) {
    const lines = block.split('\n').filter((l) => l !== '');
    if (lines.length === 0) continue;
    const head = /^(\d+) (\S+)$/.exec(lines[0]!);
    if (!head || lines.length < 2) throw new Error(`golden file: expected "<count> <program>@<version>" then a counter name, got ${JSON.stringify(lines[0])}`);
    counters.push({ count: Number(head[1]), program: head[2]!, name: lines.slice(1).join('\n') });
  }
  return counters;
}

export function fromSummaries(summaries: readonly CounterSummary[]): GoldenCounter[] {
  return summaries.map((s) => ({ program: `${s.program}@${s.version}`, count: s.count, name: s.name }));
}
