/**
 * The results table. A result is one line of it:
 *   { row, what, a, b, value, target, result, note }
 * a/b: the two sides' medians (formatted); value: what the target is checked against (a ratio,
 * or an absolute figure where the target is absolute); result: 'pass', 'FAIL', 'info' (no
 * target), or why the row did not run ('not built yet', 'error: ...').
 */

export const COLUMNS = [
  ['row', 'row'],
  ['what', 'A vs B'],
  ['a', 'median A'],
  ['b', 'median B'],
  ['value', 'ratio / value'],
  ['target', 'target'],
  ['result', 'result'],
];

export const fmt = {
  ms: (x) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)} ms` : '—'),
  ratio: (x) => (Number.isFinite(x) ? x.toFixed(3) : '—'),
  mb: (kib) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MB` : '—'),
  delta: (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} ms` : '—'),
  rate: (x) => (Number.isFinite(x) ? `${Math.round(x).toLocaleString('en-US')}/s` : '—'),
};

/** `CPU 61.2 vs 57.0 ms (1.074)`: the CPU figures of a pair, for a note; empty without them. */
export function cpuNote(a, b) {
  if (!Number.isFinite(a?.cpuMs) || !Number.isFinite(b?.cpuMs)) return '';
  return `CPU ${a.cpuMs.toFixed(1)} vs ${b.cpuMs.toFixed(1)} ms (${(a.cpuMs / b.cpuMs).toFixed(3)})`;
}

export function verdict(ok) {
  return ok ? 'pass' : 'FAIL';
}

function cells(r) {
  return COLUMNS.map(([key]) => String(r[key] ?? '—'));
}

/** Plain text, aligned, for the terminal. Notes follow the table, keyed by row. */
export function renderText(results) {
  const rows = [COLUMNS.map(([, title]) => title), ...results.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  const notes = results.filter((r) => r.note);
  if (notes.length > 0) out.push('', ...notes.map((r) => `${r.row}: ${r.note}`));
  return out.join('\n');
}

/** GitHub markdown, for BENCHMARKS.md. */
export function renderMarkdown(results) {
  const esc = (c) => c.replace(/\|/g, '\\|');
  const out = [`| ${COLUMNS.map(([, t]) => t).join(' | ')} |`, `|${COLUMNS.map((_, i) => (i >= 2 && i <= 4 ? '---:' : '---')).join('|')}|`];
  for (const r of results) out.push(`| ${cells(r).map(esc).join(' | ')} |`);
  const notes = results.filter((r) => r.note);
  if (notes.length > 0) out.push('', ...notes.map((r) => `- ${r.row}: ${r.note}`));
  return out.join('\n');
}
