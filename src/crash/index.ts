/**
 * The crash path: from what a finished child left (channel bytes, exit status, and the spool:
 * Node fatal-error reports, records of descendants without the channel) to incremented counters.
 * Loaded by the run path only when there is a crash to record, and by `watchdog stacks` /
 * `counters` only when the spool holds something (collectSpool).
 *
 * channel text ─parse─▶ crashes ─select─▶ counted crashes ─symbolize, normalize─▶ counter names ─▶ store
 * spool files ─claim─▶ parse ─────────────────────────────▶ (the same)
 *
 * Program identity: a crash of the run (channel, stderr, signal, and Node reports, as before) is
 * counted under `--program`, else the package.json of its entry, else the command. A spooled
 * record is counted under its own identity only: the package.json of its entry, else `node`. The
 * spool is shared by every run on the store and outlives them (a detached descendant may crash
 * after its watchdog has exited), so the file cannot be tied to the run that collects it.
 */
import { openStore } from '../counter/store.js';
import type { ProgramId } from '../counter/types.js';
import type { ChildOutcome } from '../run/supervise.js';
import { CRASH_SIGNALS } from '../run/supervise.js';
import { warn } from '../run/warn.js';
import { findProgram } from '../stack/program.js';
import { noStackName, stackCounterName } from '../stack/name.js';
import { createSymbolizer } from '../symbolize/index.js';
import type { ParsedCrash } from '../traceback/frame.js';
import { parseCrashOutput } from '../traceback/index.js';
import { parseNodeReport } from '../traceback/node-report.js';
import { entryFromNodeCommand, entryFromPythonCommand, programIdentity } from './identity.js';
import { findPythonProgram } from '../stack/python-program.js';
import { parseRecord } from '../traceback/node-record.js';
import { claimSpool, spoolDir, type SpooledFile } from './spool.js';
import { selectCrashes } from './select.js';

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

/** Turns one crash into its program and counter name. Never throws for any input. */
export function counterFor(crash: ParsedCrash, source: CrashSource, symbolizer = createSymbolizer()): Counted {
  const entry = crash.type === 'unparsed' ? null : crash.entry;
  const found = programOf(crash, entry, source);
  const program = programIdentity(source.program, found, source.command);
  if (crash.type === 'unparsed') return { program, name: 'crash/unparsed' };
  if (crash.type === 'counter') return { program, name: crash.name };
  const root = found?.root ?? null;
  // Source maps are a JavaScript matter: other runtimes' frames are used as they are.
  const frames = JS_RUNTIMES.has(crash.runtime) ? crash.frames.map((frame) => symbolizer.symbolize(frame, root)) : crash.frames;
  const name = stackCounterName(frames, root, crash.runtime);
  return { program, name: name === 'crash/crash' ? noStackName(crash.kind) : name };
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

/** Everything the child left that counts, as counters; claims the spool. */
export function countersFor(outcome: ChildOutcome, options: RecordOptions): Counted[] {
  const parsed = outcome.channel.bytes.length > 0 ? parseCrashOutput(outcome.channel.bytes.toString('utf8')) : [];
  const crashes = selectCrashes(parsed, outcome.exitCode);
  // Captured stderr is ordinary output too: only a recognised crash report in it counts.
  if (crashes.length === 0 && outcome.stderrTail !== null) {
    crashes.push(...parseCrashOutput(outcome.stderrTail.toString('utf8')).filter((c) => c.type !== 'unparsed').slice(-1));
  }
  const spooled = outcome.reportDir !== null ? claimSpool(outcome.reportDir, outcome.pid) : [];
  // Node reports name the run's processes (and its descendants'), as before the spool had records.
  for (const file of spooled) if (file.kind === 'report' && file.text !== null) crashes.push(parseNodeReport(file.text));
  if (crashes.length === 0 && outcome.signal !== null && CRASH_SIGNALS.has(outcome.signal)) {
    crashes.push({ type: 'counter', name: `crash/signal:${outcome.signal}`, runtime: 'unknown', entry: null });
  }
  const symbolizer = createSymbolizer();
  const source: CrashSource = { command: outcome.command, args: outcome.args, program: options.program };
  const counted = crashes.map((crash) => counterFor(crash, source, symbolizer));
  return [...counted, ...spooledRecords(spooled, symbolizer)];
}

function spooledRecords(files: readonly SpooledFile[], symbolizer: ReturnType<typeof createSymbolizer>): Counted[] {
  const counted: Counted[] = [];
  for (const file of files) {
    if (file.kind !== 'record') continue;
    const crash = spooledRecordCrash(file.text);
    if (crash !== null) counted.push(counterFor(crash, SPOOL_SOURCE, symbolizer));
  }
  return counted;
}

/** Records the child's crashes. Store trouble is one line on stderr; the child's status is untouched. */
export function recordOutcome(outcome: ChildOutcome, options: RecordOptions): void {
  if (outcome.channel.totalBytes > outcome.channel.bytes.length) {
    warn(`crash output was ${outcome.channel.totalBytes} bytes; kept the first ${outcome.channel.bytes.length}`);
  }
  const counted = countersFor(outcome, options);
  if (counted.length === 0) return;
  const store = openStore(options.storeDir);
  for (const { program, name } of counted) store.increment(program, name);
}

/**
 * Counts whatever waits in the store's spool with no run to attach it to (records of processes
 * that crashed after their watchdog exited, reports left behind): for `watchdog stacks` and
 * `counters`, so what crashed is visible at once. Each file is counted under its own identity.
 * Returns how many counters were incremented; throws only the store's errors.
 */
export function collectSpool(storeDir: string): number {
  const files = claimSpool(spoolDir(storeDir), 0);
  if (files.length === 0) return 0;
  const symbolizer = createSymbolizer();
  const counted = spooledRecords(files, symbolizer);
  for (const file of files) {
    if (file.kind === 'report' && file.text !== null) counted.push(counterFor(parseNodeReport(file.text), SPOOL_SOURCE, symbolizer));
  }
  if (counted.length === 0) return 0;
  const store = openStore(storeDir);
  for (const { program, name } of counted) store.increment(program, name);
  return counted.length;
}
