/**
 * Mappings: finding the segment of a source map's `mappings` string that covers a generated
 * position, decoding the string lazily and without building per-segment objects.
 *
 * Why not a library: the crash path has about 100 ms from child exit to the watchdog exiting,
 * and a crash needs a handful of lookups. Libraries decode every segment into arrays before the
 * first answer (read + parse + 10 lookups of a 5 MB map on the reference machine:
 * @jridgewell/trace-mapping ~0.3 s, Node's module.SourceMap ~0.5 s, source-map 0.6 ~1.7 s, this
 * module ~0.13 s; see docs/source-maps.md and bench/sourcemap/compare.mjs). This module walks the VLQ text once, forward, only as far as the
 * deepest generated line asked for so far, remembering each line's start (text offset plus the
 * running source/line/column/name state). The first lookup on a line scans that line once more
 * to checkpoint it every CHECKPOINT_EVERY segments, so later lookups on it re-decode at most that
 * many segments (minified bundles put megabytes of mappings on one line); lines never looked up
 * are never indexed.
 *
 * Lookup semantics are @jridgewell/trace-mapping's `originalPositionFor` with its default bias
 * (greatest lower bound), so the two can be compared position by position (the tests do, on
 * tens of thousands of positions): on the generated line only (never a previous line), an exact
 * column match wins and is the first segment with that column; otherwise the segment with the
 * greatest column below the needle, the last of equals. Lines whose segments are not sorted by
 * column are scanned whole, which gives the same answer as sorting them first.
 *
 * Invariants:
 * - Positions are 0-based here (lines and columns), as in the map itself.
 * - Decoding is monotonic: line N is decoded only after lines 0..N-1 were; afterwards only the
 *   lines that lookups visit are scanned again.
 * - A structural error (a character outside base64 and `,;`, a segment with 2, 3 or more than 5
 *   fields, an unterminated VLQ or one of more than 7 digits, a negative generated column) makes
 *   that line and every later one unusable; earlier lines stay valid, so the answer for a
 *   position never depends on which positions were asked before.
 * - A segment that is well-formed but points at a source index outside `sources` or at a negative
 *   original line or column is an unmapped segment (as a 1-field segment is); a name index
 *   outside `names` means no name.
 * - Work is linear in the length of the text, memory linear in lines (plus segments/32 of the
 *   lines looked up); nothing here throws on any input string.
 */

/** A decoded segment: where a generated column came from. Indices refer to the map's arrays. */
export interface Segment {
  /** 0-based generated column of the segment's start. */
  generatedColumn: number;
  /** Index into `sources`. */
  source: number;
  /** 0-based original line and column. */
  line: number;
  column: number;
  /** Index into `names`, or -1. */
  name: number;
}

/** Within a line that lookups visit, a checkpoint every this many segments. */
const CHECKPOINT_EVERY = 32;
/** Numbers per line start: text offset, then the running state (source, line, column, name). */
const LS_FIELDS = 5;
/** Numbers per checkpoint: offset, key (column of the segment that starts there), then state. */
const CP_FIELDS = 7;
const CP_OFFSET = 0;
const CP_KEY = 1;
const CP_GCOL = 2;
const CP_SRC = 3;
const CP_OLINE = 4;
const CP_OCOL = 5;
const CP_NAME = 6;

/** The checkpoints of one generated line, built the first time a lookup visits it. */
interface LineIndex {
  /** CP_FIELDS numbers per checkpoint; the first is the line's start. */
  cps: Float64Array;
  count: number;
  sorted: boolean;
}

/** Base64 digit values, -1 for anything else; `,` and `;` are handled before the table. */
const DIGIT = new Int8Array(128).fill(-1);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) DIGIT[alphabet.charCodeAt(i)] = i;
}

const COMMA = 44;
const SEMICOLON = 59;

/**
 * The result of decoding one segment of an already validated line: its number of fields, the
 * offset after it and the running state after it. Module-level so the scan allocates nothing.
 */
let segFields = 0;
let segEnd = 0;
let segGcol = 0;
let segSrc = 0;
let segOline = 0;
let segOcol = 0;
let segName = 0;

/**
 * Decodes the segment starting at `pos` (of a line the forward pass validated), adding its deltas
 * to the given state; leaves the result in the seg* variables (segFields 0 if it is malformed
 * after all).
 */
function decodeSegment(text: string, pos: number, gcol: number, src: number, oline: number, ocol: number, name: number): void {
  const end = text.length;
  let fields = 0;
  let i = pos;
  for (;;) {
    let value = 0;
    let shift = 0;
    let digit = 0;
    do {
      const c = i < end ? text.charCodeAt(i++) : -1;
      digit = c >= 0 && c < 128 ? DIGIT[c]! : -1;
      if (digit < 0 || shift > 30) {
        segFields = 0;
        return;
      }
      value |= (digit & 31) << shift;
      shift += 5;
    } while (digit & 32);
    const delta = value & 1 ? -(value >>> 1) : value >>> 1;
    if (fields === 0) gcol += delta;
    else if (fields === 1) src += delta;
    else if (fields === 2) oline += delta;
    else if (fields === 3) ocol += delta;
    else if (fields === 4) name += delta;
    else {
      segFields = 0;
      return;
    }
    fields++;
    if (i >= end) break;
    const next = text.charCodeAt(i);
    if (next === COMMA || next === SEMICOLON) break;
  }
  segFields = fields;
  segEnd = i;
  segGcol = gcol;
  segSrc = src;
  segOline = oline;
  segOcol = ocol;
  segName = name;
}

/** Lazily decoded `mappings` of one (non-indexed) source map. */
export class Mappings {
  private readonly text: string;
  private readonly sourceCount: number;
  private readonly nameCount: number;

  /** Lines 0..decoded-1 are decoded (validated) and their starts known. */
  private decoded = 0;
  /** No more lines will be decoded: the text ended or a structural error was found. */
  private finished = false;
  /** Offset of the start of line `decoded`, and the running state there. */
  private pos = 0;
  private src = 0;
  private oline = 0;
  private ocol = 0;
  private name = 0;
  /** LS_FIELDS numbers per decoded line: where it starts and the state there. */
  private starts = new Float64Array(LS_FIELDS * 64);
  private readonly indexes = new Map<number, LineIndex>();

  constructor(text: string, sourceCount: number, nameCount: number) {
    this.text = text;
    this.sourceCount = sourceCount;
    this.nameCount = nameCount;
  }

  /** Number of generated lines known so far (all of them once the text is fully decoded). */
  get decodedLines(): number {
    return this.decoded;
  }

  /**
   * The segment covering generated (line, column), both 0-based, with trace-mapping's default
   * (greatest lower bound) semantics; null when nothing on that line is at or before the column,
   * or the covering segment maps to nothing.
   */
  lookup(line: number, column: number): Segment | null {
    if (!this.ready(line) || !(column >= 0)) return null;
    const index = this.index(line);
    const cps = index.cps;
    let start = 0;
    if (index.sorted) {
      // Last checkpoint whose segment starts strictly before the column: every segment with the
      // exact column, and the best one before it, come at or after that checkpoint.
      let lo = 0;
      let hi = index.count - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (cps[mid * CP_FIELDS + CP_KEY]! < column) {
          start = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
    }
    const base = start * CP_FIELDS;
    const text = this.text;
    let i = cps[base + CP_OFFSET]!;
    let gcol = cps[base + CP_GCOL]!;
    let src = cps[base + CP_SRC]!;
    let oline = cps[base + CP_OLINE]!;
    let ocol = cps[base + CP_OCOL]!;
    let name = cps[base + CP_NAME]!;
    let found = false;
    let exact = false;
    let fGcol = 0;
    let fFields = 0;
    let fSrc = 0;
    let fOline = 0;
    let fOcol = 0;
    let fName = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === SEMICOLON) break;
      if (c === COMMA) {
        i++;
        continue;
      }
      decodeSegment(text, i, gcol, src, oline, ocol, name);
      if (segFields === 0) return null; // cannot happen on a validated line; stay safe
      i = segEnd;
      gcol = segGcol;
      src = segSrc;
      oline = segOline;
      ocol = segOcol;
      name = segName;
      if (gcol === column) {
        if (!exact) {
          exact = true;
          found = true;
          fGcol = gcol;
          fFields = segFields;
          fSrc = src;
          fOline = oline;
          fOcol = ocol;
          fName = name;
          if (index.sorted) break;
        }
      } else if (gcol < column) {
        if (!exact && (!found || gcol >= fGcol)) {
          found = true;
          fGcol = gcol;
          fFields = segFields;
          fSrc = src;
          fOline = oline;
          fOcol = ocol;
          fName = name;
        }
      } else if (index.sorted) {
        break;
      }
    }
    if (!found) return null;
    return this.segment(fGcol, fFields, fSrc, fOline, fOcol, fName);
  }

  /** The mapped segment with the smallest column on a generated line (0-based); null if none. */
  firstOnLine(line: number): Segment | null {
    if (!this.ready(line)) return null;
    const text = this.text;
    const b = line * LS_FIELDS;
    let i = this.starts[b]!;
    let gcol = 0;
    let src = this.starts[b + 1]!;
    let oline = this.starts[b + 2]!;
    let ocol = this.starts[b + 3]!;
    let name = this.starts[b + 4]!;
    let best: Segment | null = null;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === SEMICOLON) break;
      if (c === COMMA) {
        i++;
        continue;
      }
      decodeSegment(text, i, gcol, src, oline, ocol, name);
      if (segFields === 0) return null;
      i = segEnd;
      gcol = segGcol;
      src = segSrc;
      oline = segOline;
      ocol = segOcol;
      name = segName;
      if (best === null || gcol < best.generatedColumn) {
        const s = this.segment(gcol, segFields, src, oline, ocol, name);
        if (s !== null) best = s;
      }
    }
    return best;
  }

  private segment(gcol: number, fields: number, src: number, oline: number, ocol: number, name: number): Segment | null {
    if (fields < 4 || src < 0 || src >= this.sourceCount || oline < 0 || ocol < 0) return null;
    const named = fields === 5 && name >= 0 && name < this.nameCount;
    return { generatedColumn: gcol, source: src, line: oline, column: ocol, name: named ? name : -1 };
  }

  /** Decodes forward until `line` is decoded; false if it never will be. */
  private ready(line: number): boolean {
    if (!Number.isInteger(line) || line < 0) return false;
    while (this.decoded <= line && !this.finished) this.decodeLine();
    return line < this.decoded;
  }

  /** The checkpoints of a decoded line, built on first use by scanning it once. */
  private index(line: number): LineIndex {
    let index = this.indexes.get(line);
    if (index !== undefined) return index;
    const text = this.text;
    const b = line * LS_FIELDS;
    let i = this.starts[b]!;
    let gcol = 0;
    let src = this.starts[b + 1]!;
    let oline = this.starts[b + 2]!;
    let ocol = this.starts[b + 3]!;
    let name = this.starts[b + 4]!;
    let cps = new Float64Array(CP_FIELDS * 4);
    let count = 0;
    let segments = 0;
    let sorted = true;
    for (;;) {
      const c = i < text.length ? text.charCodeAt(i) : SEMICOLON;
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === SEMICOLON || segments % CHECKPOINT_EVERY === 0) {
        if ((count + 1) * CP_FIELDS > cps.length) {
          const bigger = new Float64Array(cps.length * 2);
          bigger.set(cps);
          cps = bigger;
        }
        const at = count * CP_FIELDS;
        cps[at + CP_OFFSET] = i;
        cps[at + CP_KEY] = Number.POSITIVE_INFINITY; // until the segment there is decoded
        cps[at + CP_GCOL] = gcol;
        cps[at + CP_SRC] = src;
        cps[at + CP_OLINE] = oline;
        cps[at + CP_OCOL] = ocol;
        cps[at + CP_NAME] = name;
        count++;
        if (c === SEMICOLON) break;
      }
      decodeSegment(text, i, gcol, src, oline, ocol, name);
      if (segFields === 0) break; // cannot happen on a validated line
      if (segGcol < gcol) sorted = false;
      if (segments % CHECKPOINT_EVERY === 0) cps[(count - 1) * CP_FIELDS + CP_KEY] = segGcol;
      i = segEnd;
      gcol = segGcol;
      src = segSrc;
      oline = segOline;
      ocol = segOcol;
      name = segName;
      segments++;
    }
    // The line's end was recorded as a checkpoint too (key +inf): harmless for the search, and
    // it keeps an empty line's one checkpoint at its ';'.
    index = { cps, count, sorted };
    this.indexes.set(line, index);
    return index;
  }

  /**
   * Validates the line at this.pos and records where the next one starts; on a structural
   * error, finishes instead. This is the hot loop (every character before the deepest line asked
   * for passes through it once), so it works on locals only and records nothing per segment.
   */
  private decodeLine(): void {
    const text = this.text;
    const end = text.length;
    const line = this.decoded;
    let i = this.pos;
    let gcol = 0;
    let src = this.src;
    let oline = this.oline;
    let ocol = this.ocol;
    let name = this.name;
    let broken = false;
    segments: for (;;) {
      if (i >= end) break;
      let c = text.charCodeAt(i);
      if (c === SEMICOLON) break;
      if (c === COMMA) {
        i++;
        continue;
      }
      let fields = 0;
      for (;;) {
        let value = 0;
        let shift = 0;
        let digit = 0;
        do {
          if (i >= end) {
            broken = true;
            break segments;
          }
          c = text.charCodeAt(i++);
          digit = c < 128 ? DIGIT[c]! : -1;
          if (digit < 0 || shift > 30) {
            broken = true;
            break segments;
          }
          value |= (digit & 31) << shift;
          shift += 5;
        } while (digit & 32);
        const delta = value & 1 ? -(value >>> 1) : value >>> 1;
        if (fields === 0) gcol += delta;
        else if (fields === 1) src += delta;
        else if (fields === 2) oline += delta;
        else if (fields === 3) ocol += delta;
        else if (fields === 4) name += delta;
        else {
          broken = true;
          break segments;
        }
        fields++;
        if (i >= end) break;
        c = text.charCodeAt(i);
        if (c === COMMA || c === SEMICOLON) break;
      }
      if ((fields !== 1 && fields !== 4 && fields !== 5) || gcol < 0) {
        broken = true;
        break;
      }
    }
    if (broken) {
      this.finished = true;
      return;
    }
    if ((line + 1) * LS_FIELDS > this.starts.length) {
      const bigger = new Float64Array(this.starts.length * 2);
      bigger.set(this.starts);
      this.starts = bigger;
    }
    const b = line * LS_FIELDS;
    this.starts[b] = this.pos;
    this.starts[b + 1] = this.src;
    this.starts[b + 2] = this.oline;
    this.starts[b + 3] = this.ocol;
    this.starts[b + 4] = this.name;
    this.decoded = line + 1;
    this.src = src;
    this.oline = oline;
    this.ocol = ocol;
    this.name = name;
    if (i >= end) {
      this.finished = true;
    } else {
      this.pos = i + 1; // past the ';'
    }
  }
}
