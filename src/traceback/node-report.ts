/**
 * Node's diagnostic report (`--report-on-fatalerror`, `--report-uncaught-exception`) -> a crash.
 *
 * A report describes the whole process: environment variables, host name, user limits, loaded
 * libraries, the error message. This parser reads exactly six fields and nothing else, so none of
 * the rest can reach a counter, a log or an error message:
 *   header.event, header.trigger   what happened (`Allocation failed - JavaScript heap out of
 *                                  memory` / `OOMError`); only tested, never copied
 *   header.nodejsVersion           the runtime version
 *   header.commandLine             only to find the entry script (see entryFromCommandLine)
 *   header.processId               to pair the report with the process
 *   javascriptStack.stack          the `at ...` lines (other lines there are the message's)
 * A heap exhaustion is the named crash `crash/oom`; otherwise the JS stack gives a StackCrash
 * (possibly with no frames: the normalizer names it `crash/no-stack:<kind>`). A document that is
 * not a report is `{ type: 'unparsed' }`.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Frame, ParsedCrash } from './frame.js';
import { MAX_JSON, MAX_RECORD_FRAMES, MAX_STRING } from './limits.js';
import { parseV8FrameLine } from './v8.js';

export const OOM_NAME = 'crash/oom';

/** A report's JSON text -> its crash. Never throws. */
export function parseNodeReport(json: string): ParsedCrash {
  try {
    return readReport(json) ?? { type: 'unparsed' };
  } catch {
    return { type: 'unparsed' };
  }
}

function readReport(json: string): ParsedCrash | null {
  if (typeof json !== 'string' || json.length > MAX_JSON) return null;
  const doc: unknown = JSON.parse(json);
  if (!isObject(doc)) return null;
  const header = own(doc, 'header');
  if (!isObject(header)) return null;

  const event = bounded(own(header, 'event'));
  const trigger = bounded(own(header, 'trigger'));
  const versionField = own(header, 'nodejsVersion');
  if (event === null && trigger === null && typeof versionField !== 'string') return null;
  const runtimeVersion = typeof versionField === 'string' && /^v?\d{1,4}\.\d{1,6}\.\d{1,6}[\w.+-]{0,32}$/.test(versionField) ? versionField : null;
  const commandLine = own(header, 'commandLine');
  const entry = Array.isArray(commandLine) ? entryFromCommandLine(commandLine) : null;
  const pidField = own(header, 'processId');
  const pid = typeof pidField === 'number' && Number.isSafeInteger(pidField) && pidField > 0 ? pidField : undefined;

  if (isOutOfMemory(event, trigger)) return { type: 'counter', name: OOM_NAME, runtime: 'node', entry };

  const frames: Frame[] = [];
  const js = own(doc, 'javascriptStack');
  const stack = isObject(js) ? own(js, 'stack') : undefined;
  if (Array.isArray(stack)) {
    const n = Math.min(stack.length, 4 * MAX_RECORD_FRAMES);
    for (let i = 0; i < n && frames.length < MAX_RECORD_FRAMES; i++) {
      const line = stack[i];
      if (typeof line !== 'string' || !line.trimStart().startsWith('at ')) continue;
      const frame = parseV8FrameLine(line);
      if (frame) frames.push(frame);
    }
  }
  const crash: ParsedCrash = { type: 'stack', kind: kindOf(trigger), errorClass: null, frames, runtime: 'node', runtimeVersion, entry };
  if (pid !== undefined) crash.pid = pid;
  return crash;
}

/**
 * The heap ran out. A report written for an uncaught exception has the exception's message as its
 * event, which the program chose: only a fatal error's event is trusted.
 */
function isOutOfMemory(event: string | null, trigger: string | null): boolean {
  if (trigger === 'OOMError') return true;
  if (trigger === 'Exception' || event === null) return false;
  return event.includes('heap out of memory') || event.includes('Allocation failed');
}

function kindOf(trigger: string | null): string {
  switch (trigger) {
    case 'Exception':
      return 'uncaughtException';
    case 'FatalError':
      return 'fatalError';
    case 'Signal':
      return 'signal';
    default:
      return 'report';
  }
}

/** Node options whose value is the next argument (`-r ./x.js`); `--opt=value` needs nothing. */
const WITH_VALUE = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions',
  '--input-type', '--experimental-default-type', '--title', '--env-file', '--inspect-port', '--debug-port',
  '--redirect-warnings', '--report-directory', '--report-dir', '--report-filename', '--report-signal',
  '--diagnostic-dir', '--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval', '--heap-prof-dir',
  '--heap-prof-name', '--heap-prof-interval', '--heapsnapshot-signal', '--heapsnapshot-near-heap-limit',
  '--icu-data-dir', '--openssl-config', '--tls-cipher-list', '--secure-heap', '--secure-heap-min',
  '--unhandled-rejections', '--dns-result-order', '--disable-proto', '--experimental-policy',
  '--policy-integrity', '--watch-path', '--test-reporter', '--test-reporter-destination',
  '--test-name-pattern', '--test-skip-pattern', '--test-concurrency', '--test-shard', '--test-timeout',
  '--max-http-header-size', '--trace-event-categories', '--trace-event-file-pattern', '--stack-trace-limit',
  '--max-old-space-size', '--max-semi-space-size', '--stack-size', '--localstorage-file', '--run',
]);

/** Options after which there is no script (`node -e code`, `node -p code`, the REPL on stdin). */
const NO_SCRIPT = new Set(['-e', '--eval', '-p', '--print', '-pe', '-i', '--interactive', '-', '--run']);

/**
 * The script of `node [options] script [args]`: the first argument after the binary that is not
 * an option or an option's value; null for `-e`/`-p` or when there is none. A relative script is
 * resolved against this process's directory (the watchdog runs its child in its own directory).
 * Arguments after the script (which may be anything, secrets included) are never looked at.
 */
export function entryFromCommandLine(argv: readonly unknown[]): string | null {
  const n = Math.min(argv.length, 256);
  for (let i = 1; i < n; i++) {
    const arg = argv[i];
    if (typeof arg !== 'string') return null;
    if (arg === '--') {
      const next = argv[i + 1];
      return typeof next === 'string' ? scriptPath(next) : null;
    }
    if (NO_SCRIPT.has(arg)) return null;
    if (WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return scriptPath(arg);
  }
  return null;
}

function scriptPath(arg: string): string | null {
  if (arg === '' || arg.length > MAX_STRING || arg.includes('\0')) return null;
  return isAbsolute(arg) ? arg : resolve(arg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function bounded(v: unknown): string | null {
  return typeof v === 'string' ? v.slice(0, MAX_STRING) : null;
}
