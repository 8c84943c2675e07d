/** The machine a table was measured on, printed above it. */
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export function machine() {
  const cpu = cpus()[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown cpu';
  return {
    nproc: availableParallelism(),
    cpu,
    node: process.version,
    kernel: release(),
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    load: loadNow(),
  };
}

/** The 1, 5 and 15 minute load averages: other jobs on the machine, at the start and end of a run. */
export function loadNow() {
  return loadavg().map((x) => x.toFixed(2)).join(' ');
}

export function describe(m) {
  const load = m.loadEnd ? `load ${m.load} at start, ${m.loadEnd} at end` : `load ${m.load}`;
  return `nproc ${m.nproc} (${m.cpu}), ${m.memory}, node ${m.node}, linux ${m.kernel}, ${load}`;
}
