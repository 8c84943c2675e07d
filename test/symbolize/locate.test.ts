/**
 * Finding and reading a generated file's map: the comment, inline maps, and the read rule.
 * node:fs is wrapped to record which files are opened and read, so refusals can be shown to
 * read nothing but the generated file's tail.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isRefusal } from '../../src/symbolize/file.js';
import { decodeDataUrl, findSourceMappingURL, locateSourceMap } from '../../src/symbolize/locate.js';
import { createSymbolizer } from '../../src/symbolize/symbolizer.js';
import type { Frame } from '../../src/traceback/frame.js';
import { cleanup, tempDir, writeTree } from './helpers.js';

const io = vi.hoisted(() => ({ opened: [] as string[], read: [] as string[], fds: new Map<number, string>() }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
    io.opened.push(String(path));
    io.fds.set(fd, String(path));
    return fd;
  }) as typeof fs.openSync;
  const readSync = ((fd: number, ...rest: unknown[]) => {
    io.read.push(io.fds.get(fd) ?? `fd ${fd}`);
    return (fs.readSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.readSync;
  const readFileSync = ((path: unknown, ...rest: unknown[]) => {
    io.read.push(String(path));
    return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, openSync, readSync, readFileSync, default: { ...fs, openSync, readSync, readFileSync } };
});

afterAll(cleanup);
beforeEach(() => {
  io.opened.length = 0;
  io.read.length = 0;
});

/** A valid map: generated 1:1 (and everything after on line 1) -> ../src/gen.ts line 3, column 5. */
const MAP = JSON.stringify({ version: 3, sources: ['../src/gen.ts'], names: [], mappings: 'AAEK' });
const GEN_CODE = 'function gen() { throw new Error("x"); }\ngen();\n';

/** A package with dist/gen.js ending in `tail` (after the code), and the map at dist/gen.js.map. */
function pkg(tail: string, files: Record<string, string> = {}): { root: string; gen: string } {
  const root = tempDir();
  writeTree(root, { 'package.json': '{"name":"p"}', 'dist/gen.js': GEN_CODE + tail, 'dist/gen.js.map': MAP, ...files });
  return { root, gen: join(root, 'dist', 'gen.js') };
}

function frameIn(file: string): Frame {
  return { file, function: 'gen', line: 1, column: 18, enclosingLine: 1, enclosingColumn: 1 };
}

/** Symbolizes a frame of `gen`; returns the frame and the files read other than gen itself. */
function symbolizeGen(gen: string, options = {}) {
  io.read.length = 0;
  const frame = frameIn(gen);
  const started = performance.now();
  const out = createSymbolizer(options).symbolize(frame, null);
  const ms = performance.now() - started;
  return { out, mapped: out !== frame, unchanged: out === frame, ms, otherReads: io.read.filter((p) => p !== gen) };
}

describe('the sourceMappingURL comment', () => {
  it('finds //#, //@ and /*# */ forms; the last one wins; lines after it do not hide it', () => {
    expect(findSourceMappingURL('x()\n//# sourceMappingURL=a.js.map\n')).toBe('a.js.map');
    expect(findSourceMappingURL('x()\n//@ sourceMappingURL=a.js.map')).toBe('a.js.map');
    expect(findSourceMappingURL('x()\n/*# sourceMappingURL=a.css.map */\n')).toBe('a.css.map');
    expect(findSourceMappingURL('//# sourceMappingURL=old.map\nx()\n//# sourceMappingURL=new.map\n')).toBe('new.map');
    expect(findSourceMappingURL('x()\n//# sourceMappingURL=a.js.map\n//# debugId=85314830-023f-4cf1-a267-535f4e37bb17\n')).toBe('a.js.map');
    expect(findSourceMappingURL('x()\r\n//# sourceMappingURL=a.js.map\r\n')).toBe('a.js.map');
  });

  it('ignores the text when it is not a comment of its own line (a string literal, a template)', () => {
    expect(findSourceMappingURL('const s = "//# sourceMappingURL=evil.map";\n')).toBeNull();
    expect(findSourceMappingURL('const s = `\n//# sourceMappingURL=${url}`;\n')).toBeNull();
    expect(findSourceMappingURL('x()\n//# sourceMappingURL=\n')).toBeNull();
  });

  it('maps through each form, and through <file>.map when there is no comment', () => {
    for (const tail of ['//# sourceMappingURL=gen.js.map\n', '//@ sourceMappingURL=gen.js.map', '/*# sourceMappingURL=gen.js.map */\n', '', 'const s = "//# sourceMappingURL=evil.map";\n']) {
      const { gen, root } = pkg(tail);
      const { out } = symbolizeGen(gen);
      expect([tail, out.file, out.line, out.column]).toEqual([tail, join(root, 'src', 'gen.ts'), 3, 6]);
    }
  });

  it('a query or hash on the URL is not part of the file name', () => {
    const { gen } = pkg('//# sourceMappingURL=gen.js.map?v=3#x\n');
    expect(symbolizeGen(gen).mapped).toBe(true);
  });

  it('no comment and no <file>.map: unchanged', () => {
    const root = tempDir();
    writeTree(root, { 'package.json': '{}', 'dist/gen.js': GEN_CODE });
    expect(symbolizeGen(join(root, 'dist', 'gen.js')).unchanged).toBe(true);
  });
});

describe('inline maps (data: URLs)', () => {
  const base64 = Buffer.from(MAP).toString('base64');
  it.each([
    ['base64', `data:application/json;base64,${base64}`],
    ['charset and base64', `data:application/json;charset=utf-8;base64,${base64}`],
    ['percent-encoded', `data:application/json,${encodeURIComponent(MAP)}`],
    ['percent-encoded with charset', `data:application/json;charset=utf-8,${encodeURIComponent(MAP)}`],
  ])('%s: decoded in memory, sources relative to the generated file', (_, url) => {
    const root = tempDir();
    writeTree(root, { 'package.json': '{}', 'dist/gen.js': `${GEN_CODE}//# sourceMappingURL=${url}\n` });
    const gen = join(root, 'dist', 'gen.js');
    const { out, otherReads } = symbolizeGen(gen);
    expect([out.file, out.line]).toEqual([join(root, 'src', 'gen.ts'), 3]);
    expect(otherReads).toEqual([]);
  });

  it('an inline map longer than the tail read (the read extends back to the line start)', () => {
    const big = JSON.stringify({ ...JSON.parse(MAP), names: Array.from({ length: 20000 }, (_, i) => `name${i}`) });
    const root = tempDir();
    const url = `data:application/json;base64,${Buffer.from(big).toString('base64')}`;
    expect(url.length).toBeGreaterThan(200 * 1024);
    writeTree(root, { 'package.json': '{}', 'dist/gen.js': `${GEN_CODE}//# sourceMappingURL=${url}\n//# debugId=1\n` });
    expect(symbolizeGen(join(root, 'dist', 'gen.js')).mapped).toBe(true);
  });

  it('refuses other media types, malformed encodings and oversize data', () => {
    expect(decodeDataUrl('data:text/javascript;base64,e30=', 100)).toEqual({ refused: 'inline map is not application/json' });
    expect(decodeDataUrl('data:application/json,%E0%A4%A', 100)).toEqual({ refused: 'malformed percent-encoding in data: URL' });
    expect(isRefusal(decodeDataUrl(`data:application/json;base64,${'A'.repeat(4000)}`, 1000))).toBe(true);
    expect(isRefusal(decodeDataUrl(`data:application/json,${'%7B'.repeat(1400)}`, 1000))).toBe(true);
    expect(isRefusal(decodeDataUrl(`data:application/json,${'a'.repeat(1200)}`, 1000))).toBe(true);
    expect(decodeDataUrl(`data:application/json,${'a'.repeat(900)}`, 1000)).toBe('a'.repeat(900));
    expect(decodeDataUrl('data:application/json;base64,e30=', 100)).toBe('{}');
  });
});

describe('the read rule', () => {
  /** A valid map outside any package, for the "would have worked if read" cases. */
  function outsideMap(): string {
    const dir = tempDir('wd-outside-');
    writeFileSync(join(dir, 'evil.map'), MAP);
    writeFileSync(join(dir, 'secret.txt'), MAP);
    return dir;
  }

  it('refuses an absolute path outside the package, reading nothing of it; the same map inside is read', () => {
    const outside = outsideMap();
    const refused = pkg(`//# sourceMappingURL=${join(outside, 'evil.map')}\n`);
    const r = symbolizeGen(refused.gen);
    expect(r.unchanged).toBe(true);
    expect(r.otherReads).toEqual([]);
    expect(locateSourceMap(refused.gen, { maxMapBytes: 1 << 20, rootCache: new Map() })).toEqual({ refused: 'outside the package root' });

    const inside = pkg('//# sourceMappingURL=PLACEHOLDER\n');
    writeFileSync(inside.gen, `${GEN_CODE}//# sourceMappingURL=${join(inside.root, 'maps', 'gen.js.map')}\n`);
    writeTree(inside.root, { 'maps/gen.js.map': MAP });
    expect(symbolizeGen(inside.gen).mapped).toBe(true);
    // ...and as a file: URL too
    writeFileSync(inside.gen, `${GEN_CODE}//# sourceMappingURL=${pathToFileURL(join(inside.root, 'maps', 'gen.js.map')).href}\n`);
    expect(symbolizeGen(inside.gen).mapped).toBe(true);
  });

  it('refuses traversal out of the package (../../etc/passwd-like), whatever the name', () => {
    const outside = outsideMap();
    for (const url of ['../../../../../../../../etc/passwd', '../../../../../../../../etc/passwd.map', '/etc/passwd', `../..${outside}/evil.map`, `%2e%2e/%2e%2e/%2e%2e/%2e%2e${outside}/evil.map`]) {
      const { gen } = pkg(`//# sourceMappingURL=${url}\n`);
      const r = symbolizeGen(gen);
      expect([url, r.unchanged, r.otherReads]).toEqual([url, true, []]);
    }
  });

  it('refuses a symlink inside the package that leads outside, and one named .map leading to another name', () => {
    const outside = outsideMap();
    const a = pkg('//# sourceMappingURL=link.map\n');
    symlinkSync(join(outside, 'evil.map'), join(a.root, 'dist', 'link.map'));
    expect(symbolizeGen(a.gen)).toMatchObject({ unchanged: true, otherReads: [] });

    const b = pkg('//# sourceMappingURL=renamed.map\n', { 'dist/notes.txt': MAP });
    symlinkSync(join(b.root, 'dist', 'notes.txt'), join(b.root, 'dist', 'renamed.map'));
    expect(symbolizeGen(b.gen)).toMatchObject({ unchanged: true, otherReads: [] });
    expect(locateSourceMap(b.gen, { maxMapBytes: 1 << 20, rootCache: new Map() })).toEqual({ refused: 'name does not end in .map' });

    // A symlink whose target is inside the package is fine.
    const c = pkg('//# sourceMappingURL=alias.map\n');
    symlinkSync(join(c.root, 'dist', 'gen.js.map'), join(c.root, 'dist', 'alias.map'));
    expect(symbolizeGen(c.gen).mapped).toBe(true);
  });

  it('refuses a map that is not named *.map even inside the package', () => {
    const { gen } = pkg('//# sourceMappingURL=gen.json\n', { 'dist/gen.json': MAP });
    expect(symbolizeGen(gen)).toMatchObject({ unchanged: true, otherReads: [] });
  });

  it('refuses a FIFO without blocking and a directory, reading neither', () => {
    const a = pkg('//# sourceMappingURL=fifo.map\n');
    const fifo = join(a.root, 'dist', 'fifo.map');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = symbolizeGen(a.gen);
    expect(r).toMatchObject({ unchanged: true, otherReads: [] });
    expect(r.ms).toBeLessThan(2000);
    expect(locateSourceMap(a.gen, { maxMapBytes: 1 << 20, rootCache: new Map() })).toEqual({ refused: 'not a regular file' });

    const b = pkg('//# sourceMappingURL=dir.map\n');
    mkdirSync(join(b.root, 'dist', 'dir.map'));
    expect(symbolizeGen(b.gen)).toMatchObject({ unchanged: true, otherReads: [] });

    // The generated file itself as a FIFO: not read either.
    const c = tempDir();
    writeTree(c, { 'package.json': '{}' });
    expect(spawnSync('mkfifo', [join(c, 'gen.js')]).status).toBe(0);
    const started = performance.now();
    const frame = frameIn(join(c, 'gen.js'));
    expect(createSymbolizer().symbolize(frame, null)).toBe(frame);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a 1 GB (sparse) map by its size, fast, without reading it', () => {
    const { gen, root } = pkg('//# sourceMappingURL=huge.map\n');
    const huge = join(root, 'dist', 'huge.map');
    writeFileSync(huge, '');
    truncateSync(huge, 1024 * 1024 * 1024);
    const r = symbolizeGen(gen);
    expect(r).toMatchObject({ unchanged: true, otherReads: [] });
    expect(r.ms).toBeLessThan(500);
    expect(io.opened).toContain(huge); // opened and fstat'ed: that is how the size is known
  });

  it('honours maxMapBytes', () => {
    const { gen, root } = pkg('//# sourceMappingURL=gen.js.map\n');
    expect(symbolizeGen(gen, { maxMapBytes: 10 })).toMatchObject({ unchanged: true, otherReads: [] });
    // The recorder does see the map being read when it is allowed.
    expect(symbolizeGen(gen, { maxMapBytes: MAP.length })).toMatchObject({ mapped: true, otherReads: [join(root, 'dist', 'gen.js.map')] });
  });

  it('without any package.json above, the generated file directory tree is the root', () => {
    const base = tempDir();
    writeTree(base, { 'dist/gen.js': `${GEN_CODE}//# sourceMappingURL=maps/gen.js.map\n`, 'dist/maps/gen.js.map': MAP, 'up.map': MAP });
    const gen = join(base, 'dist', 'gen.js');
    expect(symbolizeGen(gen).mapped).toBe(true);
    writeFileSync(gen, `${GEN_CODE}//# sourceMappingURL=../up.map\n`);
    expect(symbolizeGen(gen)).toMatchObject({ unchanged: true, otherReads: [] });
  });

  it('the package root is the nearest package.json above: a map elsewhere in the package is fine', () => {
    const root = tempDir();
    writeTree(root, {
      'package.json': '{}',
      'lib/deep/gen.js': `${GEN_CODE}//# sourceMappingURL=../../maps/gen.js.map\n`,
      'maps/gen.js.map': JSON.stringify({ version: 3, sources: ['../src/gen.ts'], names: [], mappings: 'AAEK' }),
    });
    expect(symbolizeGen(join(root, 'lib', 'deep', 'gen.js')).out.file).toBe(join(root, 'src', 'gen.ts'));
  });
});

describe('never the network', () => {
  it('http(s), ftp, protocol-relative and other schemes are refused and no connection is made', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      for (const url of [
        `http://127.0.0.1:${port}/gen.js.map`,
        `https://127.0.0.1:${port}/gen.js.map`,
        `ftp://127.0.0.1:${port}/gen.js.map`,
        `//127.0.0.1:${port}/gen.js.map`,
        `file://127.0.0.1:${port}/gen.js.map`,
        'webpack:///gen.js.map',
      ]) {
        const { gen } = pkg(`//# sourceMappingURL=${url}\n`);
        expect([url, symbolizeGen(gen).unchanged]).toEqual([url, true]);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('no module of src/symbolize can reach the network or run programs', () => {
    const dir = join(process.cwd(), 'src', 'symbolize');
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) expect([name, spec]).toEqual([name, expect.stringMatching(/^(\.\/[\w-]+\.js|node:(fs|path|url|buffer)|\.\.\/traceback\/frame\.js)$/)]);
      expect([name, /\bfetch\s*\(|\brequire\s*\(|\bimport\s*\(|XMLHttpRequest|WebSocket|process\.binding/.test(text)]).toEqual([name, false]);
    }
  });
});

describe('malformed maps', () => {
  it.each([
    ['not JSON', '{"version":3,'],
    ['JSON but not a map', '[1,2,3]'],
    ['no mappings', '{"version":3,"sources":["a.ts"]}'],
    ['wrong version', '{"version":2,"sources":["a.ts"],"mappings":"AAAA"}'],
    ['invalid VLQ', '{"version":3,"sources":["a.ts"],"names":[],"mappings":"!!!!"}'],
    ['source index out of range', '{"version":3,"sources":["a.ts"],"names":[],"mappings":"AEAA"}'],
    ['null source', '{"version":3,"sources":[null],"names":[],"mappings":"AAAA"}'],
    ['nested index maps', '{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sections":[]}}]}'],
    ['empty file', ''],
  ])('%s: the frame is returned unchanged', (_, text) => {
    const { gen } = pkg('//# sourceMappingURL=bad.map\n', { 'dist/bad.map': text });
    expect(symbolizeGen(gen).unchanged).toBe(true);
  });

  it('a BOM and the )]}\' prefix are tolerated', () => {
    const a = pkg('//# sourceMappingURL=bom.map\n', { 'dist/bom.map': `\ufeff${MAP}` });
    expect(symbolizeGen(a.gen).mapped).toBe(true);
    const b = pkg('//# sourceMappingURL=xssi.map\n', { 'dist/xssi.map': `)]}'\n${MAP}` });
    expect(symbolizeGen(b.gen).mapped).toBe(true);
  });
});
