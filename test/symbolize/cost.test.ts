import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceMapBytes } from '../../src/symbolize/cost.js';
import type { Frame } from '../../src/traceback/frame.js';

const frame = (file: string): Frame => ({ file, function: 'f', line: 1, column: 1, enclosingLine: 1, enclosingColumn: 1 });

describe('sourceMapBytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-cost-'));
  const map = JSON.stringify({ version: 3, sources: ['a.ts'], names: [], mappings: 'AAAA' });
  writeFileSync(join(dir, 'external.js'), 'f();\n//# sourceMappingURL=external.js.map\n');
  writeFileSync(join(dir, 'external.js.map'), map);
  writeFileSync(join(dir, 'inline.js'), `f();\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString('base64')}\n`);
  writeFileSync(join(dir, 'beside.js'), 'f();\n');
  writeFileSync(join(dir, 'beside.js.map'), map + '   ');
  writeFileSync(join(dir, 'remote.js'), 'f();\n//# sourceMappingURL=https://example.com/x.map\n');
  writeFileSync(join(dir, 'plain.js'), 'f();\n');

  it('is the size of the map a frame points to, counted once per generated file', () => {
    expect(sourceMapBytes([frame(join(dir, 'external.js')), frame(join(dir, 'external.js'))], null)).toBe(map.length);
    expect(sourceMapBytes([frame(join(dir, 'beside.js'))], null)).toBe(map.length + 3);
  });

  it('counts an inline map by its URL length, and nothing for remote maps, plain files or non-files', () => {
    expect(sourceMapBytes([frame(join(dir, 'inline.js'))], null)).toBeGreaterThan(map.length);
    expect(sourceMapBytes([frame(join(dir, 'remote.js')), frame(join(dir, 'plain.js')), frame('node:fs'), frame(join(dir, 'missing.js'))], null)).toBe(0);
  });
});
