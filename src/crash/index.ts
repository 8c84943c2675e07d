/**
 * The crash path: from what a finished child left (channel bytes, exit status, Node fatal-error
 * reports) to incremented counters. Loaded by the run path only when there is a crash to record.
 *
 * channel text ─parse─▶ crashes ─select─▶ counted crashes ─symbolize, normalize─▶ counter names ─▶ store
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
import { claimReports } from './node-reports.js';
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

/** Turns one crash into its program and counter name. Never throws for any input. */
export function counterFor(crash: ParsedCrash, outcome: ChildOutcome, options: RecordOptions, symbolizer = createSymbolizer()): Counted {
  const entry = crash.type === 'unparsed' ? null : crash.entry;
  const found = programOf(crash, entry, outcome);
  const program = programIdentity(options.program, found, outcome.command);
  if (crash.type === 'unparsed') return { program, name: 'crash/unparsed' };
  if (crash.type === 'counter') return { program, name: crash.name };
  const root = found?.root ?? null;
  // Source maps are a JavaScript matter: other runtimes' frames are used as they are.
  const frames = JS_RUNTIMES.has(crash.runtime) ? crash.frames.map((frame) => symbolizer.symbolize(frame, root)) : crash.frames;
  const name = stackCounterName(frames, root, crash.runtime);
  return { program, name: name === 'crash/crash' ? noStackName(crash.kind) : name };
}

/** Where the crashing program lives: from the record's entry, else from the command line. */
function programOf(crash: ParsedCrash, entry: string | null, outcome: ChildOutcome): ReturnType<typeof findProgram> {
  if (entry !== null) return findProgram(entry);
  const runtime = crash.type === 'unparsed' ? null : crash.runtime;
  const script = entryFromPythonCommand(outcome.command, outcome.args);
  if (script !== null && (runtime === 'python' || runtime === 'unknown')) return findPythonProgram(script);
  const nodeScript = entryFromNodeCommand(outcome.command, outcome.args);
  return nodeScript !== null ? findProgram(nodeScript) : null;
}

/** Everything the child left that counts, as counters. */
export function countersFor(outcome: ChildOutcome, options: RecordOptions): Counted[] {
  const parsed = outcome.channel.bytes.length > 0 ? parseCrashOutput(outcome.channel.bytes.toString('utf8')) : [];
  const crashes = selectCrashes(parsed, outcome.exitCode);
  // Captured stderr is ordinary output too: only a recognised crash report in it counts.
  if (crashes.length === 0 && outcome.stderrTail !== null) {
    crashes.push(...parseCrashOutput(outcome.stderrTail.toString('utf8')).filter((c) => c.type !== 'unparsed').slice(-1));
  }
  if (outcome.reportDir !== null) {
    for (const report of claimReports(outcome.reportDir, outcome.pid)) crashes.push(parseNodeReport(report.text));
  }
  if (crashes.length === 0 && outcome.signal !== null && CRASH_SIGNALS.has(outcome.signal)) {
    crashes.push({ type: 'counter', name: `crash/signal:${outcome.signal}`, runtime: 'unknown', entry: null });
  }
  const symbolizer = createSymbolizer();
  return crashes.map((crash) => counterFor(crash, outcome, options, symbolizer));
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
