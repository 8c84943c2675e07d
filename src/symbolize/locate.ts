/**
 * Locate: from a generated file's path to its source map's text, reading local files only.
 *
 * 1. The generated file must be a regular file; only its tail is read (TAIL_BYTES), since the
 *    comment sits at the end. The LAST line-anchored `//# sourceMappingURL=<url>` (also `//@`, and
 *    `/*# sourceMappingURL=<url> *\/` alone on its line) within that tail wins; lines after it
 *    (a debugId comment, appended code) do not hide it. Anchoring at the line start keeps the
 *    text inside string literals from matching. When the tail begins inside one long line that
 *    could be the end of an inline map, the read extends backwards to that line's start, bounded
 *    by the inline-map limit (a base64 map of maxMapBytes).
 * 2. `data:application/json[;params][;base64],...` is decoded in memory (base64 or percent
 *    encoding), its decoded size bounded by maxMapBytes; sources resolve against the generated
 *    file's URL.
 *    Any other URL is resolved against the generated file's `file:` URL (`new URL` semantics, so
 *    `?query` and `#hash` drop off); a result whose scheme is not `file:`, or a `file:` URL with a
 *    host, is refused: nothing is ever fetched. The file is read under the read rule
 *    (read-rule.ts).
 * 3. With no comment at all, `<generated file>.map` is tried, under the same read rule.
 *
 * Invariants: no network, no child processes, no byte read outside the bounds above; failures
 * are values (a Refusal with a short reason, for tests and diagnostics), never exceptions.
 */

import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Refusal, isRefusal, readAt, withRegularFile } from './file.js';
import { type RootCache, allowedRoots, readMapFile } from './read-rule.js';

/** How much of the generated file's end is searched for the comment. */
export const TAIL_BYTES = 64 * 1024;
/** Chunk size when extending the tail backwards over one long inline-map line. */
const EXTEND_CHUNK = 1024 * 1024;

/** A source map's text and the URL its `sources` are relative to. */
export interface LocatedMap {
  text: string;
  /** `file:` URL of the map file, or of the generated file for an inline map. */
  url: string;
  /** Where the text came from: `inline` (data: URL) or the map file's path. */
  from: 'inline' | string;
}

export interface LocateOptions {
  maxMapBytes: number;
  rootCache: RootCache;
}

/** Finds and reads the source map of the generated file at `generatedPath` (absolute). */
export function locateSourceMap(generatedPath: string, options: LocateOptions): LocatedMap | Refusal {
  const comment = readSourceMappingURL(generatedPath, options.maxMapBytes);
  if (isRefusal(comment)) return comment;
  const generatedUrl = pathToFileURL(generatedPath);
  if (comment === null) return readMap(`${generatedPath}.map`, generatedPath, options);
  if (/^data:/i.test(comment)) {
    const text = decodeDataUrl(comment, options.maxMapBytes);
    if (isRefusal(text)) return text;
    return { text, url: generatedUrl.href, from: 'inline' };
  }
  let url: URL;
  try {
    url = new URL(comment, generatedUrl);
  } catch {
    return { refused: 'malformed sourceMappingURL' };
  }
  if (url.protocol !== 'file:') return { refused: `not a local file (${url.protocol})` };
  if (url.host !== '') return { refused: 'file URL with a host' };
  let mapPath: string;
  try {
    mapPath = fileURLToPath(url);
  } catch {
    return { refused: 'malformed file URL' };
  }
  return readMap(mapPath, generatedPath, options);
}

function readMap(mapPath: string, generatedPath: string, options: LocateOptions): LocatedMap | Refusal {
  const text = readMapFile(mapPath, allowedRoots(generatedPath, options.rootCache), options.maxMapBytes);
  if (isRefusal(text)) return text;
  return { text, url: pathToFileURL(mapPath).href, from: mapPath };
}

/** Most characters an inline map's line may have: a base64 map of maxMapBytes plus its prefix. */
export function inlineLimit(maxMapBytes: number): number {
  return Math.ceil(maxMapBytes / 3) * 4 + 4096;
}

const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;
/** The URL runs to the end of the line; `"` and backquote, which encodeURIComponent always
 * escapes, end it (a template literal's text is not a comment). */
const LINE_COMMENT = /^[ \t]*\/\/[#@][ \t]*sourceMappingURL=([^\s"`]*)\s*$/;
const BLOCK_COMMENT = /^[ \t]*\/\*[#@][ \t]*sourceMappingURL=([^\s"`*]*)[ \t]*\*\/\s*$/;
/** What the end of a cut-off inline-map line can consist of (base64 or percent-encoding). */
const URL_TEXT = /^[A-Za-z0-9+/=%._~!$&'()*,;:@?#[\]-]*$/;

/** The URL of one line's sourceMappingURL comment, or null. */
export function matchComment(line: string): string | null {
  const m = LINE_COMMENT.exec(line) ?? BLOCK_COMMENT.exec(line);
  return m !== null && m[1] !== undefined && m[1] !== '' ? m[1] : null;
}

/** The last line-anchored sourceMappingURL in `text` (whole lines), or null. */
export function findSourceMappingURL(text: string): string | null {
  const lines = text.split(LINE_BREAK);
  for (let i = lines.length - 1; i >= 0; i--) {
    const url = matchComment(lines[i]!);
    if (url !== null) return url;
  }
  return null;
}

/**
 * The URL of the generated file's last sourceMappingURL comment, null when there is none, or a
 * Refusal when the file cannot be read as a regular file.
 */
export function readSourceMappingURL(generatedPath: string, maxMapBytes: number): string | null | Refusal {
  return withRegularFile(generatedPath, false, (fd, size) => {
    const start = Math.max(0, size - TAIL_BYTES);
    const tail = readAt(fd, start, size - start);
    if (start === 0) return findSourceMappingURL(tail.toString('utf8'));
    // The tail's first line is cut: search the complete lines after it first.
    const firstBreak = firstLineBreak(tail, 0);
    if (firstBreak >= 0) {
      const url = findSourceMappingURL(tail.subarray(firstBreak + 1).toString('utf8'));
      if (url !== null) return url;
    }
    const cut = tail.subarray(0, firstBreak >= 0 ? firstBreak : tail.length).toString('latin1');
    if (!URL_TEXT.test(cut)) return null;
    return extendLine(fd, start, cut, inlineLimit(maxMapBytes));
  });
}

/** Reads backwards from `end` until the start of the line whose known suffix is `suffix`. */
function extendLine(fd: number, end: number, suffix: string, limit: number): string | null {
  const parts: Buffer[] = [];
  let length = suffix.length;
  let position = end;
  while (position > 0) {
    if (length > limit) return null;
    const from = Math.max(0, position - EXTEND_CHUNK);
    const chunk = readAt(fd, from, position - from);
    if (chunk.length !== position - from) return null;
    const lastBreak = lastLineBreak(chunk);
    if (lastBreak >= 0) {
      parts.unshift(chunk.subarray(lastBreak + 1));
      length += chunk.length - lastBreak - 1;
      break;
    }
    parts.unshift(chunk);
    length += chunk.length;
    position = from;
  }
  if (length > limit) return null;
  return matchComment(Buffer.concat(parts).toString('latin1') + suffix);
}

function firstLineBreak(buffer: Buffer, from: number): number {
  for (let i = from; i < buffer.length; i++) {
    const b = buffer[i];
    if (b === 0x0a || b === 0x0d) return i;
  }
  return -1;
}

function lastLineBreak(buffer: Buffer): number {
  for (let i = buffer.length - 1; i >= 0; i--) {
    const b = buffer[i];
    if (b === 0x0a || b === 0x0d) return i;
  }
  return -1;
}

/**
 * Decodes a `data:` URL holding a source map: media type application/json (any parameters),
 * base64 or percent-encoded. The decoded text, or a Refusal.
 */
export function decodeDataUrl(url: string, maxMapBytes: number): string | Refusal {
  const comma = url.indexOf(',');
  if (comma < 0) return { refused: 'malformed data: URL' };
  const meta = url.slice(5, comma).split(';').map((part) => part.trim().toLowerCase());
  if (meta[0] !== 'application/json') return { refused: 'inline map is not application/json' };
  const data = url.slice(comma + 1);
  if (meta.includes('base64')) {
    if (Math.floor((data.length * 3) / 4) > maxMapBytes + 2) return { refused: `inline map larger than ${maxMapBytes} bytes` };
    return Buffer.from(data, 'base64').toString('utf8');
  }
  if (data.length > maxMapBytes * 3) return { refused: `inline map larger than ${maxMapBytes} bytes` };
  let text: string;
  try {
    text = decodeURIComponent(data);
  } catch {
    return { refused: 'malformed percent-encoding in data: URL' };
  }
  if (Buffer.byteLength(text, 'utf8') > maxMapBytes) return { refused: `inline map larger than ${maxMapBytes} bytes` };
  return text;
}
