/**
 * What arrived on the crash channel -> the crashes it describes.
 *
 * The format is recognised from the text itself, never from who sent it:
 *  1. every line starting with `{"watchdog":1,` is one structured record (there may be several:
 *     a descendant can crash on the same channel before the child does); a line with that prefix
 *     that is not a valid record counts as unparsed;
 *  2. the rest of the text, unless blank, goes to the first recogniser in RECOGNISERS that accepts
 *     it: Go, Python, Rust, Deno, Bun, Node's uncaught-error report on stderr, then bare V8 stack
 *     text (which accepts any `at` lines, so it comes after the formats that contain them), then
 *     a Node diagnostic report;
 *  3. text no recogniser accepts is `{ type: 'unparsed' }` (counted as `crash/unparsed`).
 * Empty or blank text yields no crash. Later runtimes (Go, Python, Rust) add a recogniser each.
 *
 * Never throws, whatever the input; no step runs a pattern on an unbounded line.
 */
import type { ParsedCrash } from './frame.js';
import { parseRecord } from './node-record.js';
import { parseNodeReport } from './node-report.js';
import { RECORD_PREFIX } from './record.js';
import { parseV8Text } from './v8.js';
import { parseBun, parseDeno, recogniseBun, recogniseDeno } from './deno-bun.js';
import { parseGo, recogniseGo } from './go.js';
import { parseNodeStderr, recogniseNodeStderr } from './node-stderr.js';
import { parsePython, recognisePython } from './python.js';
import { parseRust, recogniseRust } from './rust.js';

export type { Frame, NamedCrash, ParsedCrash, StackCrash, UnparsedCrash } from './frame.js';
export { parseRecord } from './node-record.js';
export { entryFromCommandLine, parseNodeReport } from './node-report.js';
export { parseV8FrameLine, parseV8Stack, parseV8Text } from './v8.js';

/** One crash-output format: returns its crashes, or null when the text is not in its format. */
export interface Recogniser {
  name: string;
  parse(text: string): ParsedCrash[] | null;
}

/** V8 stack text, as Node prints an uncaught error: at least one `at` frame. */
const v8Text: Recogniser = {
  name: 'v8-text',
  parse(text) {
    const stack = parseV8Text(text);
    if (stack.frames.length === 0) return null;
    return [{ type: 'stack', kind: 'text', errorClass: stack.errorClass, frames: stack.frames, runtime: 'node', runtimeVersion: stack.runtimeVersion, entry: null }];
  },
};

/** A Node diagnostic report: a JSON document with a `header` object. */
const nodeReport: Recogniser = {
  name: 'node-report',
  parse(text) {
    if (!text.trimStart().startsWith('{') || !text.includes('"header"')) return null;
    const crash = parseNodeReport(text);
    return crash.type === 'unparsed' ? null : [crash];
  },
};

/** A recogniser from a cheap `recognise` check and a parser of that format. */
function textFormat(name: string, recognise: (text: string) => boolean, parse: (text: string) => ParsedCrash): Recogniser {
  return {
    name,
    parse(text) {
      if (!recognise(text)) return null;
      const crash = parse(text);
      return crash.type === 'unparsed' ? null : [crash];
    },
  };
}

/** In order: the first that accepts the text wins. */
export const RECOGNISERS: readonly Recogniser[] = [
  textFormat('go', recogniseGo, parseGo),
  textFormat('python', recognisePython, parsePython),
  textFormat('rust', recogniseRust, parseRust),
  textFormat('deno', recogniseDeno, parseDeno),
  textFormat('bun', recogniseBun, parseBun),
  textFormat('node-stderr', recogniseNodeStderr, parseNodeStderr),
  v8Text,
  nodeReport,
];

/** Everything `text` describes, records first. Never throws. */
export function parseCrashOutput(text: string): ParsedCrash[] {
  try {
    return parseAll(typeof text === 'string' ? text : '');
  } catch {
    return [{ type: 'unparsed' }];
  }
}

function parseAll(text: string): ParsedCrash[] {
  const crashes: ParsedCrash[] = [];
  // The text without its record lines, kept as runs of whole lines between records: as many
  // pieces as there are records, however many lines the text has (a megabyte of empty lines
  // costs one slice, not a million strings).
  const runs: string[] = [];
  let runStart = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.startsWith(RECORD_PREFIX, start)) {
      if (start > runStart) runs.push(text.slice(runStart, start - 1));
      crashes.push(parseRecord(text.slice(start, end)) ?? { type: 'unparsed' });
      runStart = end + 1;
    }
    start = end + 1;
  }
  if (runStart <= text.length) runs.push(text.slice(runStart));
  const other = runs.join('\n');
  if (!/\S/.test(other)) return crashes;
  for (const recogniser of RECOGNISERS) {
    let found: ParsedCrash[] | null = null;
    try {
      found = recogniser.parse(other);
    } catch {
      found = null;
    }
    if (found) return [...crashes, ...found];
  }
  crashes.push({ type: 'unparsed' });
  return crashes;
}
