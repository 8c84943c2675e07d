/** Windows of generated lines, in UTF-16 columns as V8 counts them, ASCII or not. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GeneratedText } from '../../src/symbolize/generated-text.js';
import { cleanup, tempDir } from './helpers.js';

afterAll(cleanup);

function file(text: string): string {
  const path = join(tempDir(), 'gen.js');
  writeFileSync(path, text);
  return path;
}

/** What the window must be: computed on the JS string, as V8 sees the line. */
function expected(line: string, column: number, before: number, after: number) {
  const from = Math.max(0, column - 1 - before);
  return { text: line.slice(from, column - 1 + after), column: from + 1 };
}

describe('GeneratedText.around', () => {
  const lines = ['var a=1;', 'function x(){return "é€😀"}var s=e=>{}', '\tconst ü = () => 1;', 'plain ascii line with function y(){}', ''];
  const path = file(lines.join('\r\n'));
  const text = new GeneratedText(path, 1 << 20);

  it('matches slicing the decoded line, for every column, ASCII or not before it', () => {
    for (let l = 0; l < lines.length; l++) {
      const line = lines[l]!;
      for (let c = 1; c <= line.length + 1; c++) {
        for (const [before, after] of [
          [3, 4],
          [100, 100],
          [0, 1],
        ] as const) {
          const got = text.around(l + 1, c, before, after);
          const want = expected(line, c, before, after);
          // After the column, an ASCII window may stop early at the first non-ASCII character.
          expect(got!.column).toBe(want.column);
          expect(want.text.startsWith(got!.text)).toBe(true);
          expect(got!.text.length).toBeGreaterThanOrEqual(Math.min(want.text.length, want.text.search(/[^\x00-\x7f]/) >>> 0));
        }
      }
    }
  });

  it('lines and columns outside the file are null; an unreadable file has no lines', () => {
    expect(text.around(lines.length + 1, 1, 1, 1)).toBeNull();
    expect(text.around(0, 1, 1, 1)).toBeNull();
    expect(text.around(1, 0, 1, 1)).toBeNull();
    expect(new GeneratedText(join(tempDir(), 'missing.js'), 100).around(1, 1, 1, 1)).toBeNull();
    expect(new GeneratedText(path, 3).around(1, 1, 1, 1)).toBeNull(); // larger than the bound
  });
});
