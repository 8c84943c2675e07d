/**
 * Frame: one stack frame as a runtime reported it, before symbolization and normalization.
 *
 * Every parser in src/traceback produces Frames, innermost (the throw site) first, so the
 * symbolizer and the normalizer never see a runtime's text format. Positions are 1-based.
 * A Frame may hold absolute paths: it lives in memory only and is never stored.
 */
export interface Frame {
  /**
   * Where the code lives, as reported: an absolute path, a `file://` URL, `node:fs`,
   * `node:internal/...`, a Go or Python path, or a non-path such as `[eval]`. Null when unknown.
   */
  file: string | null;
  /** The function's own name (not the receiver's type); null when anonymous or unknown. */
  function: string | null;
  /** Line and column of the call site; null when the format does not give them. */
  line: number | null;
  column: number | null;
  /**
   * First line and column of the enclosing function (V8's CallSite.getEnclosingLineNumber and
   * getEnclosingColumnNumber). Null for frames parsed from text: the counter line then carries
   * the absolute line (`path:fn:N`) instead of an offset (`path:fn:+N`).
   */
  enclosingLine: number | null;
  enclosingColumn: number | null;
  /** Module top-level code (rendered as `<module>`). */
  toplevel?: boolean;
  /** Code run by eval/new Function: `file` is the eval origin and never a trusted path. */
  eval?: boolean;
  /** A native (built-in, no source) frame. */
  native?: boolean;
}

/** A crash with a usable stack: what every parser returns for the normalizer. */
export interface StackCrash {
  type: 'stack';
  /** How the program died: `uncaughtException`, `unhandledRejection`, `abort`, `panic`, ... */
  kind: string;
  /** Error class name (`TypeError`), never the message. Null when unknown. */
  errorClass: string | null;
  /** Innermost first. */
  frames: Frame[];
  /** `node`, `go`, `python`, `rust`, ... and its version when the record says so. */
  runtime: string;
  runtimeVersion: string | null;
  /**
   * Absolute path of the program's entry script when known (Node: the main module). Used only
   * to find the program root and identity; never stored.
   */
  entry: string | null;
  /** The crashing process, when the record says (a descendant's crash may share the channel). */
  pid?: number;
  /** From the Node record: an uncaughtException listener may have handled it (see record.ts). */
  handled?: boolean;
}

/** A crash that has no usable stack but a name of its own, as Go's crash/no-running-goroutine. */
export interface NamedCrash {
  type: 'counter';
  /** A single-line counter name such as `crash/oom`. */
  name: string;
  runtime: string;
  entry: string | null;
}

/** Channel output that no parser recognised: still counted, as `crash/unparsed`. */
export interface UnparsedCrash {
  type: 'unparsed';
}

export type ParsedCrash = StackCrash | NamedCrash | UnparsedCrash;
