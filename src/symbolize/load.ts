/**
 * Load: a source map's text parsed into something that answers "where did this generated
 * position come from".
 *
 * Accepts ECMA-426 maps (`version` 3 or absent; `mappings` a string; `sources` an array; `names`
 * and `sourceRoot` optional) and index maps (`sections`, each with an `offset` and an embedded
 * `map`; a section that only has a `url` is treated as mapping nothing, since nothing is ever
 * fetched; sections inside sections are refused). A BOM and the `)]}'` anti-XSSI first line are
 * stripped. Anything else is refused (null), as is any map whose JSON does not parse.
 *
 * Invariants:
 * - Positions at this boundary are 1-based lines and columns, as in a Frame; the map's own
 *   0-based positions stay inside (see mappings.ts for the lookup semantics).
 * - `sourcesContent` is never looked at: sources are named, never read.
 * - Work is bounded by the text's length (the caller bounds that), never throws.
 */

import { Mappings } from './mappings.js';
import { resolveSource } from './sources.js';

/** Where a generated position came from. All positions 1-based. */
export interface OriginalPosition {
  /** Resolved source: an absolute path, or a non-file URL / string (see sources.ts). */
  source: string;
  line: number;
  column: number;
  /** The original identifier at this position when the map records one (minified code). */
  name: string | null;
  /** Generated column where the matched segment starts. */
  generatedColumn: number;
}

/** A parsed source map. */
export interface LoadedMap {
  /** True when the map records any original names (worth recovering function names). */
  readonly hasNames: boolean;
  /** Greatest-lower-bound lookup on the generated line; null when unmapped. */
  lookup(line: number, column: number): OriginalPosition | null;
  /** The first mapped position on a generated line, by column; null when none. */
  firstOnLine(line: number): OriginalPosition | null;
}

/**
 * Parses a source map. `mapUrl` is the URL sources are relative to: the map file's `file:` URL,
 * or the generated file's for an inline map. Null when the text is not a usable map.
 */
export function parseSourceMap(text: string, mapUrl: string): LoadedMap | null {
  try {
    let json = text;
    if (json.charCodeAt(0) === 0xfeff) json = json.slice(1);
    if (json.startsWith(")]}'")) {
      const newline = json.indexOf('\n');
      json = newline < 0 ? '' : json.slice(newline + 1);
    }
    return sourceMapFromJson(JSON.parse(json), mapUrl);
  } catch {
    return null;
  }
}

/** As parseSourceMap, for a map already parsed from JSON. */
export function sourceMapFromJson(value: unknown, mapUrl: string): LoadedMap | null {
  try {
    if (!isObject(value)) return null;
    if (Array.isArray(value.sections)) return sectioned(value, mapUrl);
    return basic(value, mapUrl);
  } catch {
    return null;
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function versionOk(map: Json): boolean {
  return map.version === undefined || map.version === 3 || map.version === '3';
}

/** A plain (non-index) map. */
class BasicMap implements LoadedMap {
  readonly hasNames: boolean;
  private readonly mappings: Mappings;
  private readonly sources: readonly unknown[];
  private readonly names: readonly unknown[];
  private readonly sourceRoot: unknown;
  private readonly mapUrl: string;
  private readonly resolved = new Map<number, string | null>();

  constructor(mappings: string, sources: readonly unknown[], names: readonly unknown[], sourceRoot: unknown, mapUrl: string) {
    this.mappings = new Mappings(mappings, sources.length, names.length);
    this.sources = sources;
    this.names = names;
    this.sourceRoot = sourceRoot;
    this.mapUrl = mapUrl;
    this.hasNames = names.length > 0;
  }

  lookup(line: number, column: number): OriginalPosition | null {
    const segment = this.mappings.lookup(line - 1, column - 1);
    return segment === null ? null : this.position(segment);
  }

  firstOnLine(line: number): OriginalPosition | null {
    const segment = this.mappings.firstOnLine(line - 1);
    return segment === null ? null : this.position(segment);
  }

  private position(segment: { generatedColumn: number; source: number; line: number; column: number; name: number }): OriginalPosition | null {
    const source = this.source(segment.source);
    if (source === null) return null;
    const name = segment.name >= 0 ? this.names[segment.name] : null;
    return {
      source,
      line: segment.line + 1,
      column: segment.column + 1,
      name: typeof name === 'string' && name !== '' ? name : null,
      generatedColumn: segment.generatedColumn + 1,
    };
  }

  private source(index: number): string | null {
    let resolved = this.resolved.get(index);
    if (resolved === undefined) {
      resolved = resolveSource(this.sources[index], this.sourceRoot, this.mapUrl);
      this.resolved.set(index, resolved);
    }
    return resolved;
  }
}

function basic(map: Json, mapUrl: string): BasicMap | null {
  if (!versionOk(map) || typeof map.mappings !== 'string' || !Array.isArray(map.sources)) return null;
  const names = Array.isArray(map.names) ? map.names : [];
  return new BasicMap(map.mappings, map.sources, names, map.sourceRoot, mapUrl);
}

interface Section {
  /** 1-based generated line and column where the section starts. */
  line: number;
  column: number;
  map: BasicMap | null;
}

/** An index map: sections in generated order, each a plain map offset into place. */
class SectionedMap implements LoadedMap {
  readonly hasNames: boolean;
  private readonly sections: readonly Section[];

  constructor(sections: readonly Section[]) {
    this.sections = sections;
    this.hasNames = sections.some((s) => s.map?.hasNames === true);
  }

  lookup(line: number, column: number): OriginalPosition | null {
    let index = -1;
    for (let i = 0; i < this.sections.length; i++) {
      const s = this.sections[i]!;
      if (s.line < line || (s.line === line && s.column <= column)) index = i;
      else break;
    }
    if (index < 0) return null;
    const s = this.sections[index]!;
    if (s.map === null) return null;
    const onFirstLine = line === s.line;
    const found = s.map.lookup(line - s.line + 1, onFirstLine ? column - s.column + 1 : column);
    return found === null ? null : shift(found, onFirstLine ? s.column - 1 : 0);
  }

  firstOnLine(line: number): OriginalPosition | null {
    for (let i = 0; i < this.sections.length; i++) {
      const s = this.sections[i]!;
      const next = this.sections[i + 1];
      if (s.line > line) break;
      if (next !== undefined && (next.line < line || (next.line === line && next.column === 1))) continue;
      if (s.map === null) continue;
      const found = s.map.firstOnLine(line - s.line + 1);
      if (found !== null) return shift(found, line === s.line ? s.column - 1 : 0);
    }
    return null;
  }
}

function shift(position: OriginalPosition, columns: number): OriginalPosition {
  return columns === 0 ? position : { ...position, generatedColumn: position.generatedColumn + columns };
}

function sectioned(map: Json, mapUrl: string): SectionedMap | null {
  if (!versionOk(map)) return null;
  const sections: Section[] = [];
  for (const raw of map.sections as unknown[]) {
    if (!isObject(raw) || !isObject(raw.offset)) return null;
    const { line, column } = raw.offset;
    if (!Number.isInteger(line) || !Number.isInteger(column) || (line as number) < 0 || (column as number) < 0) return null;
    const start = { line: (line as number) + 1, column: (column as number) + 1 };
    const previous = sections[sections.length - 1];
    if (previous !== undefined && (start.line < previous.line || (start.line === previous.line && start.column < previous.column))) {
      return null; // sections must be in generated order
    }
    let inner: BasicMap | null = null;
    if (isObject(raw.map)) {
      if (Array.isArray(raw.map.sections)) return null;
      inner = basic(raw.map, mapUrl);
      if (inner === null) return null;
    }
    sections.push({ ...start, map: inner });
  }
  return new SectionedMap(sections);
}
