/**
 * The hand-written lazy decoder against @jridgewell/trace-mapping, position by position: on
 * random maps (unsorted lines, duplicate columns, unmapped segments, names) and on a real
 * esbuild-minified bundle of TypeScript's compiler (a 5 MB map).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceMap, decodedMappings, originalPositionFor } from '@jridgewell/trace-mapping';
import { build } from 'esbuild';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Mappings } from '../../src/symbolize/mappings.js';
import { cleanup, tempDir } from './helpers.js';

afterAll(cleanup);

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** VLQ-encodes one signed integer (written here from the spec, for the tests). */
function vlq(value: number): string {
  let v = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += BASE64[digit];
  } while (v > 0);
  return out;
}

type Seg = [number] | [number, number, number, number] | [number, number, number, number, number];

/** Encodes decoded lines (absolute values) into a `mappings` string. */
function encode(lines: Seg[][]): string {
  let src = 0;
  let oline = 0;
  let ocol = 0;
  let name = 0;
  return lines
    .map((segments) => {
      let gcol = 0;
      return segments
        .map((s) => {
          let out = vlq(s[0] - gcol);
          gcol = s[0];
          if (s.length >= 4) {
            out += vlq(s[1]! - src) + vlq(s[2]! - oline) + vlq(s[3]! - ocol);
            src = s[1]!;
            oline = s[2]!;
            ocol = s[3]!;
          }
          if (s.length === 5) {
            out += vlq(s[4]! - name);
            name = s[4]!;
          }
          return out;
        })
        .join(',');
    })
    .join(';');
}

function reference(map: TraceMap, line: number, column: number) {
  const p = originalPositionFor(map, { line: line + 1, column });
  return p.source === null ? null : { source: p.source, line: p.line - 1, column: p.column, name: p.name };
}

function mine(m: Mappings, sources: string[], names: string[], line: number, column: number) {
  const s = m.lookup(line, column);
  return s === null ? null : { source: sources[s.source], line: s.line, column: s.column, name: s.name >= 0 ? names[s.name] : null };
}

const SOURCES = ['a.ts', 'b.ts', 'c.ts'];
const NAMES = ['alpha', 'beta', 'gamma', 'delta'];

const segment: fc.Arbitrary<Seg> = fc.oneof(
  { weight: 1, arbitrary: fc.tuple(fc.nat(60)).map((t): Seg => [t[0]]) },
  { weight: 4, arbitrary: fc.tuple(fc.nat(60), fc.nat(2), fc.nat(30), fc.nat(40)).map((t): Seg => [...t]) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(60), fc.nat(2), fc.nat(30), fc.nat(40), fc.nat(3)).map((t): Seg => [...t]) },
);
const sortedLine = fc.array(segment, { maxLength: 12 }).map((segs) => [...segs].sort((a, b) => a[0] - b[0]));
const anyLine = fc.oneof(sortedLine, fc.array(segment, { maxLength: 12 }));

describe('Mappings.lookup agrees with trace-mapping', () => {
  it('on random maps: unsorted lines, duplicate columns, 1-field segments, names', () => {
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 12 }), fc.array(fc.tuple(fc.nat(14), fc.nat(70)), { minLength: 1, maxLength: 40 }), (lines, needles) => {
        const mappings = encode(lines);
        const tm = new TraceMap({ version: 3, sources: SOURCES, names: NAMES, mappings });
        const m = new Mappings(mappings, SOURCES.length, NAMES.length);
        for (const [line, column] of needles) {
          expect(mine(m, SOURCES, NAMES, line, column)).toEqual(reference(tm, line, column));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('on unsorted lines, however small the step back', () => {
    const lines: Seg[][] = [
      [[5, 0, 1, 1], [4, 1, 2, 2]],
      [[9, 0, 3, 0], [2, 1, 4, 0], [9, 2, 5, 0], [1, 0, 6, 0, 1]],
    ];
    const mappings = encode(lines);
    const tm = new TraceMap({ version: 3, sources: SOURCES, names: NAMES, mappings });
    const m = new Mappings(mappings, SOURCES.length, NAMES.length);
    for (let l = 0; l < 2; l++) for (let c = 0; c < 12; c++) expect([l, c, mine(m, SOURCES, NAMES, l, c)]).toEqual([l, c, reference(tm, l, c)]);
  });

  it('whatever order the positions are asked in (lazy decoding is not observable)', () => {
    fc.assert(
      fc.property(fc.array(sortedLine, { minLength: 1, maxLength: 10 }), fc.array(fc.tuple(fc.nat(11), fc.nat(70)), { minLength: 2, maxLength: 20 }), (lines, needles) => {
        const mappings = encode(lines);
        const forward = new Mappings(mappings, SOURCES.length, NAMES.length);
        const backward = new Mappings(mappings, SOURCES.length, NAMES.length);
        const a = needles.map(([l, c]) => forward.lookup(l, c));
        const b = [...needles].reverse().map(([l, c]) => backward.lookup(l, c)).reverse();
        expect(a).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it('on long lines, where lookups start from intra-line checkpoints', () => {
    const line: Seg[] = [];
    for (let i = 0; i < 5000; i++) {
      line.push(i % 7 === 0 ? [i * 3] : [i * 3, i % 3, i >> 4, i % 50, i % 4]);
      // Duplicate columns every 28 segments: some pairs straddle a checkpoint (every 32).
      if (i % 28 === 0) line.push([i * 3, (i + 1) % 3, i >> 3, 7]);
    }
    const lines = [line, [], line.slice(0, 999)];
    const mappings = encode(lines);
    const tm = new TraceMap({ version: 3, sources: SOURCES, names: NAMES, mappings });
    const m = new Mappings(mappings, SOURCES.length, NAMES.length);
    for (let l = 0; l < 4; l++) {
      for (let c = 0; c < 15100; c += 1) {
        const got = mine(m, SOURCES, NAMES, l, c);
        const want = reference(tm, l, c);
        if (JSON.stringify(got) !== JSON.stringify(want)) expect([l, c, got]).toEqual([l, c, want]);
      }
    }
  });

  it('on a real 5 MB map (esbuild, minified TypeScript compiler), 20,000 random positions', async () => {
    const dir = tempDir();
    const outfile = join(dir, 'ts.js');
    await build({
      entryPoints: [join(process.cwd(), 'node_modules/typescript/lib/typescript.js')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      outfile,
      logLevel: 'error',
    });
    const json = JSON.parse(readFileSync(`${outfile}.map`, 'utf8'));
    expect(json.mappings.length).toBeGreaterThan(4_000_000);
    const tm = new TraceMap(json);
    const decoded = decodedMappings(tm);
    const m = new Mappings(json.mappings, json.sources.length, json.names.length);
    let seed = 42;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let mapped = 0;
    let named = 0;
    for (let k = 0; k < 20_000; k++) {
      const line = next(decoded.length + 2);
      const segs = decoded[line] ?? [];
      const column = k % 2 === 0 && segs.length > 0 ? segs[next(segs.length)]![0] : next((segs.at(-1)?.[0] ?? 50) + 30);
      const got = mine(m, json.sources, json.names, line, column);
      const want = reference(tm, line, column);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect([line, column, got]).toEqual([line, column, want]);
      if (want !== null) mapped++;
      if (want?.name) named++;
    }
    expect(mapped).toBeGreaterThan(15_000); // the sample exercises real mappings, names included
    expect(named).toBeGreaterThan(500);
  }, 60_000);
});

describe('Mappings on malformed input', () => {
  it('a bad character breaks its line and every later one, not earlier ones', () => {
    const m = new Mappings('AAAA;AA!A;AAAA', 1, 0);
    expect(m.lookup(0, 0)).toEqual({ generatedColumn: 0, source: 0, line: 0, column: 0, name: -1 });
    expect(m.lookup(1, 0)).toBeNull();
    expect(m.lookup(2, 0)).toBeNull();
    expect(m.lookup(0, 5)).not.toBeNull();
  });

  it('segments of 2, 3 or 6 fields, unterminated and over-long VLQs are structural errors', () => {
    for (const bad of ['AA', 'AAA', 'AAAAAA', 'AAAg', 'gggggggggA', 'AAAA,']) {
      const m = new Mappings(`${bad};AAAA`, 1, 1);
      if (bad === 'AAAA,') expect(m.lookup(0, 0)).not.toBeNull(); // a trailing comma is harmless
      else expect([bad, m.lookup(0, 0), m.lookup(1, 0)]).toEqual([bad, null, null]);
    }
  });

  it('a source or name index out of range: the segment is unmapped, the name dropped', () => {
    expect(new Mappings('ACAA', 1, 0).lookup(0, 0)).toBeNull(); // source 1 of 1
    expect(new Mappings('AAAAC', 1, 1).lookup(0, 0)).toEqual({ generatedColumn: 0, source: 0, line: 0, column: 0, name: -1 });
    expect(new Mappings('AADA', 1, 0).lookup(0, 0)).toBeNull(); // original line -1
  });

  it('empty mappings, lines past the end and negative or fractional positions map to nothing', () => {
    expect(new Mappings('', 1, 0).lookup(0, 0)).toBeNull();
    const m = new Mappings('AAAA', 1, 0);
    expect(m.lookup(1, 0)).toBeNull();
    expect(m.lookup(-1, 0)).toBeNull();
    expect(m.lookup(0, -1)).toBeNull();
    expect(m.lookup(0.5, 0)).toBeNull();
    expect(m.lookup(Number.NaN, 0)).toBeNull();
  });

  it('never throws and stays linear on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'AB+/gz9;,!é'.split('')), maxLength: 300 }), fc.nat(5), fc.nat(40), (text, line, column) => {
        const m = new Mappings(text, 2, 2);
        m.lookup(line, column);
        m.firstOnLine(line);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Mappings.firstOnLine', () => {
  it('is the mapped segment with the smallest column, skipping unmapped ones', () => {
    const mappings = encode([[[9, 0, 3, 0], [2], [4, 0, 1, 1]], []]);
    const m = new Mappings(mappings, 1, 0);
    expect(m.firstOnLine(0)).toEqual({ generatedColumn: 4, source: 0, line: 1, column: 1, name: -1 });
    expect(m.firstOnLine(1)).toBeNull();
  });
});
