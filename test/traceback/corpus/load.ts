/**
 * Test helpers for the crash-text corpus: index.json beside this file lists every sample with its
 * source (a public bug report's address, or the command that produced it here) and the parts of its
 * text that no parser may ever return.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame, ParsedCrash } from '../../../src/traceback/frame.js';

export const CORPUS = dirname(fileURLToPath(import.meta.url));

export interface Sample {
  /** `go/gopls-1.txt` */
  path: string;
  text: string;
  source: string;
  secrets: string[];
  /** False for texts the runtime's recogniser is expected to reject. */
  recognised: boolean;
}

interface IndexEntry {
  source: string;
  secrets: string[];
  note?: string;
  recognised?: boolean;
}

const index = JSON.parse(readFileSync(join(CORPUS, 'index.json'), 'utf8')) as { samples: Record<string, IndexEntry> };

/** Every sample of one runtime's directory (`go`, `python`, ...), in index order. */
export function samples(dir: string): Sample[] {
  return Object.entries(index.samples)
    .filter(([path]) => path.startsWith(`${dir}/`))
    .map(([path, e]) => ({ path, text: readSample(path), source: e.source, secrets: e.secrets, recognised: e.recognised !== false }));
}

/** All samples. */
export function allSamples(): Sample[] {
  return Object.keys(index.samples).map((path) => samples(path.slice(0, path.indexOf('/'))).find((s) => s.path === path)!);
}

export function readSample(path: string): string {
  return readFileSync(join(CORPUS, path), 'utf8');
}

/** [function, file, line] of each frame: the comparison the corpus tests make. */
export function brief(frames: Frame[]): [string | null, string | null, number | null][] {
  return frames.map((f) => [f.function, f.file, f.line]);
}

export function framesOf(crash: ParsedCrash): Frame[] {
  return crash.type === 'stack' ? crash.frames : [];
}

/** No secret of the sample appears anywhere in what the parser returned. */
export function expectNoSecrets(crash: ParsedCrash, sample: Sample): void {
  const json = JSON.stringify(crash);
  for (const secret of sample.secrets) {
    expect(sample.text, `${sample.path}: the secret must be in the sample`).toContain(secret);
    expect(json, `${sample.path}: ${secret}`).not.toContain(secret);
  }
}

/** Text frames never carry an enclosing-function position, and keep the innermost-first order. */
export function expectTextFrames(crash: ParsedCrash): void {
  for (const f of framesOf(crash)) {
    expect(f.enclosingLine).toBeNull();
    expect(f.enclosingColumn).toBeNull();
  }
}

export type Expected = { kind: string; errorClass: string | null; frames: [string | null, string | null, number | null][] } | { name: string };

/**
 * One test per sample of `dir`: the recogniser's verdict, the parsed crash against `expected`
 * (frames as [function, file, line], innermost first), and no secret in the result.
 */
export function describeCorpus(
  dir: string,
  runtime: string,
  recognise: (text: string) => boolean,
  parse: (text: string) => ParsedCrash,
  expected: Record<string, Expected>,
): void {
  describe(`${dir}/*.txt: the corpus`, () => {
    const corpus = samples(dir);

    it('has an expectation for every sample and a sample for every expectation', () => {
      expect(corpus.map((s) => s.path.slice(dir.length + 1)).sort()).toEqual(Object.keys(expected).sort());
    });

    for (const sample of corpus) {
      it(`${sample.path}: frames, kind and class; no message text`, () => {
        expect(recognise(sample.text)).toBe(sample.recognised);
        const crash = parse(sample.text);
        const want = expected[sample.path.slice(dir.length + 1)]!;
        if ('name' in want) {
          expect(crash).toEqual({ type: 'counter', name: want.name, runtime, entry: null });
        } else {
          expect(crash).toMatchObject({ type: 'stack', runtime, kind: want.kind, errorClass: want.errorClass, entry: null });
          expect(brief(framesOf(crash))).toEqual(want.frames);
        }
        expectTextFrames(crash);
        expectNoSecrets(crash, sample);
      });
    }
  });
}

/** Characters and fragments the mutation fuzzing splices into samples. */
const FRAGMENTS = ['\n', '\r\n', '\t', ' ', '    ', '(', ')', ':', '"', "'", '|', '^', '0x1f', '12', 'at ', '  File "', 'Traceback (most recent call last):', 'goroutine 1 [running]:', 'panic: ', "thread 'main' panicked at ", 'stack backtrace:', 'error: Uncaught ', 'Bun v1.0.0', 'Node.js v20.0.0', 'FATAL ERROR: ', 'Fatal Python error: ', '\u2028', '\ud800', 'é'];

/**
 * Never throws, on random text and on corpus samples with random edits; stays fast on large and
 * pathological inputs (a 10 MB line, millions of empty lines, thousands of header lines).
 */
export function describeRobustness(dir: string, parse: (text: string) => ParsedCrash, recognise: (text: string) => boolean, headerLine: string): void {
  describe(`${dir}: never throws, bounded work`, () => {
    it('on random text', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 2000, unit: 'binary' }), (s) => {
          const crash = parse(s);
          expect(['stack', 'counter', 'unparsed']).toContain(crash.type);
          expect(typeof recognise(s)).toBe('boolean');
        }),
        { numRuns: 400 },
      );
    });

    it('on corpus samples with random edits', () => {
      const texts = samples(dir).map((s) => s.text);
      const edit = fc.tuple(fc.nat(), fc.nat({ max: 60 }), fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 6 }).map((a) => a.join('')));
      fc.assert(
        fc.property(fc.constantFrom(...texts), fc.array(edit, { maxLength: 10 }), (text, edits) => {
          let t = text;
          for (const [at, del, ins] of edits) {
            const i = at % (t.length + 1);
            t = t.slice(0, i) + ins + t.slice(i + del);
          }
          const crash = parse(t);
          expect(['stack', 'counter', 'unparsed']).toContain(crash.type);
          if (crash.type === 'stack') expect(crash.frames.length).toBeLessThanOrEqual(256);
          recognise(t);
        }),
        { numRuns: 300 },
      );
    });

    it('on inputs of 10 MB', () => {
      const inputs = [
        headerLine + 'x'.repeat(10 * 1024 * 1024),
        '\n'.repeat(10 * 1024 * 1024),
        `${headerLine}\n`.repeat(Math.floor((10 * 1024 * 1024) / (headerLine.length + 1))),
        ` at ${'('.repeat(1024 * 1024)}\n`.repeat(10),
        samples(dir)[0]!.text.repeat(Math.ceil((2 * 1024 * 1024) / Math.max(1, samples(dir)[0]!.text.length))),
      ];
      for (const text of inputs) {
        const start = performance.now();
        parse(text);
        recognise(text);
        expect(performance.now() - start).toBeLessThan(4000);
      }
    });
  });
}
