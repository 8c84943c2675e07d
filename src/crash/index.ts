/**
 * The crash path: from what a finished child left (channel bytes, exit status, and the spool:
 * Node fatal-error reports, records of descendants without the channel) to incremented counters.
 * Loaded by the run path only when there is a crash to record, and by `watchdog stacks` /
 * `counters` only when the spool holds something (collectSpool).
 *
 * channel text ─parse─▶ crashes ─select─▶ counted crashes ─symbolize, normalize─▶ counter names ─▶ store
 * spool files ─claim─▶ parse ─────────────────────────────▶ (the same)
 *
 * Program identity: a crash of the run (channel, stderr, signal, and the run's own Node reports) is
 * counted under `--program`, else the package.json of its entry, else the command. A spooled
 * record is counted under its own identity only: the package.json of its entry, else `node`. The
 * spool is shared by every run on the store and outlives them (a detached descendant may crash
 * after its watchdog has exited), so the file cannot be tied to the run that collects it.
 *
 * A store that cannot take a counter (permissions, a read-only or full file system) does not lose
 * it: the counters it refused are held aside outside the store (holding.ts) and counted into it by
 * the next run, listing or collector that finds it writable (recordHeld). A spool job the store
 * refused is not held: it stays in the spool, which counts it again later.
 */
import { normalizeProgram } from '../counter/encoding.js';
import { openStore } from '../counter/store.js';
import { weekKey, weekStart } from '../counter/week.js';
import type { ProgramId } from '../counter/types.js';
import type { ChildOutcome } from '../run/supervise.js';
import { CRASH_SIGNALS } from '../run/supervise.js';
import { messageOf, warn } from '../run/warn.js';
import { findProgram } from '../stack/program.js';
import { noStackName, stackCounterName } from '../stack/name.js';
import { createSymbolizer } from '../symbolize/index.js';
import type { ParsedCrash } from '../traceback/frame.js';
import { parseCrashOutput } from '../traceback/index.js';
import { parseNodeReport } from '../traceback/node-report.js';
import { entryFromNodeCommand, entryFromPythonCommand, programIdentity } from './identity.js';
import { findPythonProgram } from '../stack/python-program.js';
import { parseRecord } from '../traceback/node-record.js';
import { claimSpool, release, spoolDir, type SpooledFile } from './spool.js';
import { DEFER_MAP_BYTES, parseJob, startCollector, writeJob, type Job } from './defer.js';
import { sourceMapBytes } from '../symbolize/index.js';
import { join } from 'node:path';
import { selectCrashes } from './select.js';
import { drainHeld, hold, heldWaiting, type HeldCounter, type HoldResult } from './holding.js';

const JS_RUNTIMES = new Set(['node', 'deno', 'bun']);

export interface RecordOptions {
  storeDir: string;
  program: { name: string; version: string | null } | null;
}

export interface Counted {
  program: ProgramId;
  name: string;
}

/** Who a crash is attributed to when the crash itself does not name its program. */
export interface CrashSource {
  /** The command the watchdog ran (its base name is the fallback identity). */
  command: string;
  /** Its arguments: used only to find a Node or Python entry script, never stored. */
  args: readonly string[];
  /** `--program`, when given. */
  program: { name: string; version: string | null } | null;
}

/** Spooled records: their own entry's package.json, else `node@devel`; never `--program`. */
const SPOOL_SOURCE: CrashSource = { command: 'node', args: [], program: null };

/** Which program a crash belongs to, and the root its paths are relative to. */
export function identify(crash: ParsedCrash, source: CrashSource): { program: ProgramId; root: string | null } {
  const entry = crash.type === 'unparsed' ? null : crash.entry;
  const found = programOf(crash, entry, source);
  return { program: programIdentity(source.program, found, source.command), root: found?.root ?? null };
}

/** The counter name of a crash whose root is known. Never throws for any input. */
export function nameFor(crash: ParsedCrash, root: string | null, symbolizer: ReturnType<typeof createSymbolizer>): string {
  if (crash.type === 'unparsed') return 'crash/unparsed';
  if (crash.type === 'counter') return crash.name;
  // Source maps are a JavaScript matter: other runtimes' frames are used as they are.
  const frames = JS_RUNTIMES.has(crash.runtime) ? crash.frames.map((frame) => symbolizer.symbolize(frame, root)) : crash.frames;
  const name = stackCounterName(frames, root, crash.runtime);
  return name === 'crash/crash' ? noStackName(crash.kind) : name;
}

/** Turns one crash into its program and counter name. Never throws for any input. */
export function counterFor(crash: ParsedCrash, source: CrashSource, symbolizer = createSymbolizer()): Counted {
  const { program, root } = identify(crash, source);
  return { program, name: nameFor(crash, root, symbolizer) };
}

/** True when mapping `crash` now would keep the shell waiting (big source maps). */
function worthDeferring(crash: ParsedCrash, root: string | null): crash is Extract<ParsedCrash, { type: 'stack' }> {
  return crash.type === 'stack' && JS_RUNTIMES.has(crash.runtime) && sourceMapBytes(crash.frames, root) > DEFER_MAP_BYTES;
}

/** Where the crashing program lives: from the record's entry, else from the command line. */
function programOf(crash: ParsedCrash, entry: string | null, source: CrashSource): ReturnType<typeof findProgram> {
  if (entry !== null) return findProgram(entry);
  const runtime = crash.type === 'unparsed' ? null : crash.runtime;
  const script = entryFromPythonCommand(source.command, source.args);
  if (script !== null && (runtime === 'python' || runtime === 'unknown')) return findPythonProgram(script);
  const nodeScript = entryFromNodeCommand(source.command, source.args);
  return nodeScript !== null ? findProgram(nodeScript) : null;
}

/**
 * A spooled record file -> its crash, or null when it is not to be counted. One file is one
 * record. A file that is not a record (unparsable, too large, unreadable) still stood for a
 * crash and counts as `crash/unparsed`. A `handled` record is not counted: the preload never
 * spools one (nothing can tell whether the handler failed), so it is not the preload's.
 */
export function spooledRecordCrash(text: string | null): ParsedCrash | null {
  const crash = text === null ? null : parseRecord(text);
  if (crash === null) return { type: 'unparsed' };
  return crash.handled ? null : crash;
}

/** Everything the child left that counts, as counters; claims the spool (and keeps claimed jobs). */
export function countersFor(outcome: ChildOutcome, options: RecordOptions): Counted[] {
  return outcomeCounters(outcome, options).map((c) => c.counted);
}

/**
 * The counters of a finished child, each with the spool file it came from (jobs are deleted only
 * once counted). A crash with big source maps is written to the spool as a job instead when
 * `deferred` is given, which then counts them.
 */
function outcomeCounters(outcome: ChildOutcome, options: RecordOptions, deferred?: { count: number }): { counted: Counted; file?: SpooledFile }[] {
  const parsed = outcome.channel.bytes.length > 0 ? parseCrashOutput(outcome.channel.bytes.toString('utf8')) : [];
  const crashes = selectCrashes(parsed, outcome.exitCode);
  // Captured stderr is ordinary output too: only a recognised crash report in it counts.
  if (crashes.length === 0 && outcome.stderrTail !== null) {
    crashes.push(...parseCrashOutput(outcome.stderrTail.toString('utf8')).filter((c) => c.type !== 'unparsed').slice(-1));
  }
  const spooled = outcome.reportDir !== null ? claimSpool(outcome.reportDir, { childPid: outcome.pid, runPid: process.pid }) : [];
  // The run's own Node reports (its child's, its descendants') are crashes of the run; orphans
  // are counted under their own identity, like records (spooledCounters).
  for (const file of spooled) if (file.kind === 'report' && file.ours === true && file.text !== null) crashes.push(parseNodeReport(file.text));
  if (crashes.length === 0 && outcome.signal !== null && CRASH_SIGNALS.has(outcome.signal)) {
    crashes.push({ type: 'counter', name: `crash/signal:${outcome.signal}`, runtime: 'unknown', entry: null });
  }
  const symbolizer = createSymbolizer();
  const source: CrashSource = { command: outcome.command, args: outcome.args, program: options.program };
  const counted: { counted: Counted; file?: SpooledFile }[] = [];
  for (const crash of crashes) {
    const { program, root } = identify(crash, source);
    if (deferred !== undefined && outcome.reportDir !== null && worthDeferring(crash, root)) {
      try {
        writeJob(outcome.reportDir, { program, root, crash });
        deferred.count++;
        continue;
      } catch {
        // Could not spool it: map it now rather than lose it.
      }
    }
    counted.push({ counted: { program, name: nameFor(crash, root, symbolizer) } });
  }
  return [...counted, ...spooledCounters(spooled, symbolizer)];
}

/**
 * The counters of spooled records, jobs and orphan reports (the run's own reports are its
 * crashes: the caller's), each with its file.
 */
function spooledCounters(files: readonly SpooledFile[], symbolizer: ReturnType<typeof createSymbolizer>): { counted: Counted; file: SpooledFile }[] {
  const counted: { counted: Counted; file: SpooledFile }[] = [];
  for (const file of files) {
    if (file.kind === 'report') {
      if (file.ours !== true && file.text !== null) counted.push({ counted: counterFor(parseNodeReport(file.text), SPOOL_SOURCE, symbolizer), file });
    } else if (file.kind === 'record') {
      const crash = spooledRecordCrash(file.text);
      if (crash !== null) counted.push({ counted: counterFor(crash, SPOOL_SOURCE, symbolizer), file });
    } else if (file.kind === 'job') {
      const job: Job | null = file.text === null ? null : parseJob(file.text);
      const result = job === null ? { program: { name: 'node', version: 'devel' }, name: 'crash/unparsed' } : { program: job.program, name: nameFor(job.crash, job.root, symbolizer) };
      counted.push({ counted: result, file });
    }
  }
  return counted;
}

/** The counters a store refused, and what became of them. */
interface Refused {
  /** The store's first error. */
  error: unknown;
  /** What holding.ts kept of the refused counters (jobs stay in the spool instead). */
  held: HoldResult;
}

/**
 * Counts each counter, deleting a job's spool file once it is counted. The counters the store
 * refuses are held aside in one held file (holding.ts); a refused job stays in the spool, which
 * takes it again. Returns null when everything was counted.
 */
function countAndRelease(storeDir: string, counted: readonly { counted: Counted; file?: SpooledFile }[]): Refused | null {
  if (counted.length === 0) return null;
  const store = openStore(storeDir);
  const week = weekKey(new Date());
  let error: unknown = null;
  const refused: HeldCounter[] = [];
  for (const { counted: c, file } of counted) {
    try {
      store.increment(c.program, c.name);
    } catch (e) {
      error ??= e;
      if (file?.claimed === undefined) refused.push({ program: normalizeProgram(c.program), name: c.name, week });
      continue;
    }
    if (file !== undefined) {
      try {
        release(file);
      } catch {
        // Counted, but its job stays claimed: counted again later rather than lost.
      }
    }
  }
  return error === null ? null : { error, held: hold(storeDir, refused) };
}

/** The one line for crashes the store refused: its error, and whether they were kept aside. */
function refusedLine(refused: Refused): string {
  const { error, held } = refused;
  const what = messageOf(error);
  if (held.dropped === 0) return `${what}; kept aside, to be recorded the next time the store can be written`;
  const lost = held.reason === null ? '' : ` (${held.reason})`;
  if (held.kept === 0) return `${what}; the crash is lost${lost}`;
  return `${what}; kept ${held.kept} of ${held.kept + held.dropped} counters aside, to be recorded the next time the store can be written, the rest is lost${lost}`;
}

/**
 * Counts what is held aside for the store (holding.ts) into it, each counter in the week its
 * crash happened. Silent: a store that still refuses keeps them held. Returns how many counters
 * were counted; never throws.
 */
export function recordHeld(storeDir: string): number {
  try {
    if (!heldWaiting(storeDir)) return 0;
    const store = openStore(storeDir);
    return drainHeld(storeDir, (c) => void store.increment(c.program, c.name, 1, weekStart(c.week) ?? new Date())).counted;
  } catch {
    return 0;
  }
}

/**
 * Records the child's crashes, then what is held aside for the store. When the store refuses
 * them, throws an Error whose message is the one line to show: the store's error, and whether the
 * crash was kept aside (holding.ts) or lost. The child's status is untouched.
 */
export function recordOutcome(outcome: ChildOutcome, options: RecordOptions): void {
  if (outcome.channel.totalBytes > outcome.channel.bytes.length) {
    warn(`crash output was ${outcome.channel.totalBytes} bytes; kept the first ${outcome.channel.bytes.length}`);
  }
  const deferred = { count: 0 };
  const counted = outcomeCounters(outcome, options, deferred);
  // Jobs are handed to a collector first, so their mapping overlaps the rest of this exit.
  if (deferred.count > 0) startCollector(join(__dirname, 'collect.cjs'), options.storeDir);
  const refused = countAndRelease(options.storeDir, counted);
  if (refused !== null) throw new Error(refusedLine(refused));
  // The store took this crash: it takes the ones held aside too.
  recordHeld(options.storeDir);
}

/**
 * Counts whatever waits in the store's spool with no run to attach it to (records of processes
 * that crashed after their watchdog exited, reports left behind), then what is held aside for the
 * store: for `watchdog stacks` and `counters`, so what crashed is visible at once. Each file is
 * counted under its own identity. Returns how many counters were incremented; when the store
 * refuses them, throws an Error whose message is one line (the store's error, and whether they
 * were kept aside).
 */
export function collectSpool(storeDir: string): number {
  const files = claimSpool(spoolDir(storeDir), null);
  if (files.length === 0) return recordHeld(storeDir);
  const counted = spooledCounters(files, createSymbolizer());
  const refused = countAndRelease(storeDir, counted);
  if (refused !== null) throw new Error(refusedLine(refused));
  return counted.length + recordHeld(storeDir);
}
