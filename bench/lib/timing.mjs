/**
 * Whole-process timing, interleaved: every command of a comparison runs once per round, in the
 * same order (A, B, A, B, ...), after a few warm-up rounds, so drift on a shared machine (other
 * jobs, thermal state, page cache) lands on all sides alike. Figures are medians; the ratio of
 * two medians measured together is the number that means something, absolute times do not.
 *
 * Timing is Node-internal (spawnSync between two hrtime readings) so nothing needs installing.
 * Both sides pay the same fork/exec cost of this harness, which dilutes ratios slightly toward 1
 * (about 1-2 ms of a 40 ms run).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function now() {
  return performance.timeOrigin + performance.now();
}

/**
 * A command to measure: { label, cmd, args, env, status (expected, default 0), stdoutFile, stderrNull, prepare(), metric(result) }.
 * metric turns one run into the recorded sample (default: its wall time in ms); it may return any value.
 * stdoutFile sends the process's stdout to that file instead of a pipe, and result.stdout is read
 * from it afterwards: Node writes to a pipe asynchronously once the pipe's 64 KiB are full, so a
 * program that prints more and then calls process.exit() loses the rest on a pipe, not on a file.
 * stderrNull sends stderr to /dev/null instead of collecting it (a row that writes a GiB there).
 */
export function runOnce(spec) {
  spec.prepare?.();
  const out = spec.stdoutFile ? openSync(spec.stdoutFile, 'w') : 'pipe';
  const t0 = process.hrtime.bigint();
  const r = spawnSync(spec.cmd, spec.args, { env: spec.env, stdio: ['ignore', out, spec.stderrNull ? 'ignore' : 'pipe'], maxBuffer: 512 << 20 });
  const t1 = process.hrtime.bigint();
  const endedAt = now();
  if (spec.stdoutFile) {
    closeSync(out);
    r.stdout = readFileSync(spec.stdoutFile);
  }
  if (r.error) throw new Error(`${spec.label}: ${r.error.message}`);
  const expected = spec.status ?? 0;
  if (r.status !== expected) {
    const why = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    throw new Error(`${spec.label}: ${why}, expected ${expected}\n${tail(r.stderr)}`);
  }
  return { ms: Number(t1 - t0) / 1e6, endedAt, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * CPU time (user + system, ms) of this process's waited-for descendants so far, from
 * /proc/self/stat (cutime + cstime: a finished child's own time plus that of its waited-for
 * descendants), or null where there is no /proc. The counters tick at 100 Hz (USER_HZ on Linux),
 * so one run's difference is coarse, but the sum over many runs is not: rows report the mean.
 */
export function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}

/**
 * Runs `specs` round-robin: `warmup` unrecorded rounds, then `runs` recorded ones. Returns the
 * samples per spec, and sets spec.cpuMs to the mean CPU time per recorded run of the process and
 * its descendants (null without /proc): a second figure, less moved by other jobs than wall time.
 */
export function interleave(specs, { runs, warmup = 3, progress = () => {} }) {
  const samples = specs.map(() => []);
  const cpu = specs.map(() => 0);
  for (let round = 0; round < warmup + runs; round++) {
    specs.forEach((spec, k) => {
      const before = childrenCpuMs();
      const result = runOnce(spec);
      const after = childrenCpuMs();
      const value = spec.metric ? spec.metric(result, round < warmup) : result.ms;
      if (round >= warmup) {
        samples[k].push(value);
        cpu[k] = before === null || after === null ? NaN : cpu[k] + (after - before);
      }
    });
    progress(round + 1, warmup + runs);
  }
  specs.forEach((spec, k) => (spec.cpuMs = Number.isNaN(cpu[k]) ? null : cpu[k] / runs));
  return samples;
}

export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(xs) {
  return quantile(xs, 0.5);
}

/**
 * The median of the per-round ratios a[i]/b[i]: a second figure beside the ratio of medians, less
 * moved by load that comes and goes between rounds (both runs of a round see about the same load).
 */
export function pairedRatio(a, b) {
  return median(a.map((x, i) => x / b[i]));
}

/** Median and spread of numeric samples, for the results file. */
export function summarize(xs) {
  return { median: median(xs), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** The last line matching `key=<number>` in a process's output. */
export function readMark(output, key) {
  const text = Buffer.isBuffer(output) ? output.toString('utf8') : String(output);
  const matches = [...text.matchAll(new RegExp(`^${key}=([0-9.eE+-]+)$`, 'gm'))];
  if (matches.length === 0) throw new Error(`no ${key}= line in output:\n${tail(text)}`);
  return Number(matches[matches.length - 1][1]);
}

export function tail(output, lines = 12) {
  const text = Buffer.isBuffer(output) ? output.toString('utf8') : String(output ?? '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
