/**
 * Optional cross-check with hyperfine (`--hyperfine`, used only when it is on PATH). hyperfine runs
 * each command's runs in one block, not interleaved, so it is a second opinion, not the figure;
 * what it adds is CPU time (user + system of the whole process tree), which drifts less than
 * wall time when other jobs share the machine.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { workPath } from './paths.mjs';

export function hyperfineAvailable() {
  const r = spawnSync('hyperfine', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

const quote = (word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** Medians of wall time and mean CPU time (ms) per spec: [{ label, median, cpu }]. */
export function hyperfine(specs, { runs, warmup, env }) {
  const out = workPath('hyperfine.json');
  const args = ['-N', '--style', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', out];
  for (const s of specs) args.push('--command-name', s.label, [s.cmd, ...s.args].map(quote).join(' '));
  const r = spawnSync('hyperfine', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
  const { results } = JSON.parse(readFileSync(out, 'utf8'));
  return results.map((x) => ({ label: x.command, median: x.median * 1000, cpu: (x.user + x.system) * 1000 }));
}
