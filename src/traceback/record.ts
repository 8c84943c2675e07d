/**
 * The structured crash record: what the Node preload (src/child) writes on the crash channel.
 *
 * Wire format (docs/channel.md): one JSON object per record, UTF-8, terminated by "\n".
 * The first key is always "watchdog" so a reader can tell a record from crash text
 * (`{"watchdog":1,...`). Frames are innermost first. The record never carries the error
 * message, arguments or environment; it does carry absolute paths, which the watchdog
 * reduces before anything is stored.
 */
export const RECORD_PREFIX = '{"watchdog":1,';

export interface RecordFrame {
  /**
   * CallSite.getFileName() (or getScriptNameOrSourceURL()), as V8 gives it; null when longer than
   * 1024 characters. Strings (fn, errorClass) are cut at 1024 characters.
   */
  file: string | null;
  /** CallSite.getFunctionName(). */
  fn: string | null;
  line: number | null;
  col: number | null;
  /** CallSite.getEnclosingLineNumber() / getEnclosingColumnNumber(). */
  encLine: number | null;
  encCol: number | null;
  /**
   * top: module or script top-level code (ESM module body, CommonJS module wrapper, a script):
   * no function name, not eval, and the enclosing code starts at line 1, column 1. (V8's
   * isToplevel() is not used: it is also true for any anonymous callback called without a
   * receiver.)
   * eval: CallSite.isEval(). native: CallSite.isNative(). Each present only when true.
   */
  top?: boolean;
  eval?: boolean;
  native?: boolean;
}

export interface CrashRecord {
  watchdog: 1;
  /**
   * uncaughtException | unhandledRejection | abort. Node's own origin: an error thrown by ES module
   * top-level code arrives as unhandledRejection.
   */
  kind: string;
  /**
   * Constructor name of the thrown value (`TypeError`), or its typeof for non-objects (`string`),
   * `'null'` for null, `'object'` for a Proxy or an object without a named constructor. For a
   * rejection with a non-Error reason Node reports its own wrapper, so this is
   * `UnhandledPromiseRejection` (the reason itself is out of reach without changing behaviour).
   * Null for an abort.
   */
  errorClass: string | null;
  /**
   * From V8's CallSites, innermost first, at most 64. Empty when V8's frames were not available:
   * then `stack` may carry them as text.
   */
  frames: RecordFrame[];
  /**
   * Only when `frames` is empty and the error's stack text was all there was (its stack had been
   * formatted by a formatter other than the preload's, e.g. source-map-support): the frame lines
   * of that text (`    at fn (file:line:col)`, joined by "\n", at most 64 lines of at most 1024
   * characters), never its header or message.
   */
  stack?: string;
  runtime: 'node';
  runtimeVersion: string;
  /** Absolute path of the main module, when there is one. */
  entry: string | null;
  /** Process id of the crashing process (to pair with a Node fatal-error report). */
  pid: number;
  /**
   * True when an 'uncaughtException' listener was installed when the error arrived: the program
   * may survive it. The watchdog counts such a record only if the child then exits with status 7
   * (the handler itself threw), the way Node reports a failed handler.
   */
  handled?: boolean;
}
