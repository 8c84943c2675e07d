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
  /** CallSite.getFileName() (or getScriptNameOrSourceURL()), as V8 gives it. */
  file: string | null;
  /** CallSite.getFunctionName(). */
  fn: string | null;
  line: number | null;
  col: number | null;
  /** CallSite.getEnclosingLineNumber() / getEnclosingColumnNumber(). */
  encLine: number | null;
  encCol: number | null;
  /** CallSite.isToplevel() && no function name; CallSite.isEval(); CallSite.isNative(). */
  top?: boolean;
  eval?: boolean;
  native?: boolean;
}

export interface CrashRecord {
  watchdog: 1;
  /** uncaughtException | unhandledRejection | abort */
  kind: string;
  /** Constructor name of the thrown value (`TypeError`), or its typeof for non-objects (`string`). */
  errorClass: string | null;
  frames: RecordFrame[];
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
