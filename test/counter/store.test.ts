import { appendFileSync, chmodSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { programDirName } from '../../src/counter/encoding.js';
import { StoreError } from '../../src/counter/errors.js';
import { MAX_NAME_BYTES, encodeName } from '../../src/counter/format.js';
import { nameHash } from '../../src/counter/hash.js';
import { dumpStore } from '../../src/counter/dump.js';
import { listStoreFiles } from '../../src/counter/files.js';
import { UNKNOWN_NAME, readStore, readTotals } from '../../src/counter/read.js';
import { MAX_NAMES_PER_VERSION, MAX_NAMES_PER_WEEK, OVERFLOW_NAME, openStore } from '../../src/counter/store.js';
import { tempDir, walk } from './helpers.js';

const tool = { name: '@scope/tool', version: '1.2.3' };
const NOW = new Date('2026-11-24T12:00:00Z'); // 2026-W48
const WEEK = '2026-W48';
let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

const pdir = (id = tool): string => join(tmp.dir, 'counters', programDirName(id));
const counts = (rows: { name: string; count: number }[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.name] = (out[r.name] ?? 0) + r.count;
  return out;
};

describe('increment and read back', () => {
  it('round-trips counts per program, version, week and name', () => {
    const store = openStore(tmp.dir);
    expect(store.dir).toBe(tmp.dir);
    store.increment(tool, 'crash/crash\nsrc/a.ts:f:+1', 1, NOW);
    store.increment(tool, 'crash/crash\nsrc/a.ts:f:+1', 5, NOW);
    store.increment(tool, 'crash/oom', undefined, NOW);
    store.increment({ name: tool.name, version: '2.0.0' }, 'crash/oom', 2, NOW);
    store.increment(tool, 'crash/oom', 1, new Date('2026-12-31T23:00:00Z'));
    const { rows, damage } = readStore(tmp.dir);
    expect(damage).toEqual([]);
    expect(rows).toEqual([
      { program: '@scope/tool', version: '1.2.3', week: '2026-W48', name: 'crash/crash\nsrc/a.ts:f:+1', count: 6 },
      { program: '@scope/tool', version: '1.2.3', week: '2026-W48', name: 'crash/oom', count: 1 },
      { program: '@scope/tool', version: '1.2.3', week: '2026-W53', name: 'crash/oom', count: 1 },
      { program: '@scope/tool', version: '2.0.0', week: '2026-W48', name: 'crash/oom', count: 2 },
    ]);
    expect(readTotals(tmp.dir).totals).toEqual([
      { program: '@scope/tool', version: '1.2.3', name: 'crash/crash\nsrc/a.ts:f:+1', count: 6, weeks: ['2026-W48'] },
      { program: '@scope/tool', version: '1.2.3', name: 'crash/oom', count: 2, weeks: ['2026-W48', '2026-W53'] },
      { program: '@scope/tool', version: '2.0.0', name: 'crash/oom', count: 2, weeks: ['2026-W48'] },
    ]);
  });

  it('reports what it counted', () => {
    const r = openStore(tmp.dir).increment(tool, 'crash/x', 1, NOW);
    expect(r).toEqual({ program: tool, name: 'crash/x', week: WEEK, file: join(pdir(), `${WEEK}.wdc`) });
  });

  it('lays files out as documented', () => {
    openStore(tmp.dir).increment(tool, 'crash/x', 1, NOW);
    expect(walk(tmp.dir)).toEqual(['counters/', 'counters/%40scope%2Ftool@1.2.3/', `counters/%40scope%2Ftool@1.2.3/${WEEK}.wdc`, 'counters/%40scope%2Ftool@1.2.3/names.wdn']);
  });

  it('defines a name once, then appends 20 bytes per increment', () => {
    const store = openStore(tmp.dir);
    for (let i = 0; i < 10; i++) store.increment(tool, 'crash/x', 1, NOW);
    expect(statSync(join(pdir(), 'names.wdn')).size).toBe(20 + 8);
    expect(statSync(join(pdir(), `${WEEK}.wdc`)).size).toBe(200);
  });

  it('keeps multi-line names, any characters, and 4096-byte names exactly', () => {
    const store = openStore(tmp.dir);
    const names = [
      'crash/crash\nsrc/parser.ts:parseExpr:+2\nsrc/cli.ts:main:+7',
      'crash/crash\n\nline after an empty line\n',
      'tabs\tand \u0000 nul and \r\n CRLF',
      'unicode: 日本語 😀 é',
      `crash/crash\n${'x'.repeat(4096 - 12)}`,
      'y'.repeat(4096),
      '',
    ];
    for (const [i, n] of names.entries()) store.increment(tool, n, i + 1, NOW);
    expect(Buffer.byteLength(names[4]!)).toBe(4096);
    const got = counts(readStore(tmp.dir).rows);
    expect(got).toEqual(Object.fromEntries(names.map((n, i) => [n, i + 1])));
  });

  it('cuts names longer than MAX_NAME_BYTES at a character boundary', () => {
    const long = 'é'.repeat(MAX_NAME_BYTES); // 2 bytes each
    const r = openStore(tmp.dir).increment(tool, long, 1, NOW);
    expect(Buffer.byteLength(r.name)).toBe(MAX_NAME_BYTES);
    expect(readStore(tmp.dir).rows[0]!.name).toBe('é'.repeat(MAX_NAME_BYTES / 2));
    const odd = 'a' + 'é'.repeat(MAX_NAME_BYTES);
    expect(Buffer.byteLength(openStore(tmp.dir).increment(tool, odd, 1, NOW).name)).toBe(MAX_NAME_BYTES - 1);
  });

  it('cuts untrusted program names and versions', () => {
    const r = openStore(tmp.dir).increment({ name: 'n'.repeat(500), version: 'v'.repeat(500) }, 'crash/x', 1, NOW);
    expect(r.program.name.length).toBeLessThanOrEqual(214);
    expect(r.program.version.length).toBeLessThanOrEqual(64);
    expect(readStore(tmp.dir).rows[0]).toMatchObject({ program: r.program.name, version: r.program.version });
  });

  it('validates delta and date', () => {
    const store = openStore(tmp.dir);
    for (const d of [0, -1, 1.5, NaN, 2 ** 32]) expect(() => store.increment(tool, 'x', d, NOW)).toThrow(RangeError);
    expect(() => store.increment(tool, 'x', 1, new Date(NaN))).toThrow(RangeError);
    store.increment(tool, 'x', 2 ** 32 - 1, NOW);
    store.increment(tool, 'x', 2 ** 32 - 1, NOW);
    expect(readStore(tmp.dir).rows[0]!.count).toBe(2 * (2 ** 32 - 1));
  });
});

describe('caps', () => {
  it(`counts the name past ${MAX_NAMES_PER_WEEK} distinct names in a week as ${OVERFLOW_NAME}`, () => {
    const store = openStore(tmp.dir);
    for (let i = 0; i < MAX_NAMES_PER_WEEK; i++) expect(store.increment(tool, `crash/n${i}`, 1, NOW).name).toBe(`crash/n${i}`);
    expect(store.increment(tool, 'crash/one-too-many', 1, NOW).name).toBe(OVERFLOW_NAME);
    expect(store.increment(tool, 'crash/another', 3, NOW).name).toBe(OVERFLOW_NAME);
    expect(store.increment(tool, OVERFLOW_NAME, 1, NOW).name).toBe(OVERFLOW_NAME);
    // Names already counted this week still count as themselves.
    expect(store.increment(tool, 'crash/n7', 1, NOW).name).toBe('crash/n7');
    // A new week starts with room again; other programs never shared the cap.
    const next = new Date(NOW.getTime() + 7 * 86_400_000);
    expect(store.increment(tool, 'crash/one-too-many', 1, next).name).toBe('crash/one-too-many');
    expect(store.increment({ name: 'other', version: '1' }, 'crash/one-too-many', 1, NOW).name).toBe('crash/one-too-many');

    const got = readStore(tmp.dir, { program: tool.name });
    const week = got.rows.filter((r) => r.week === WEEK);
    expect(week.length).toBe(MAX_NAMES_PER_WEEK + 1);
    expect(counts(week)[OVERFLOW_NAME]).toBe(5);
    expect(counts(week)['crash/n7']).toBe(2);
    expect(counts(week)['crash/one-too-many']).toBeUndefined();
    expect(got.damage).toEqual([]);
  });

  it(`stops defining names past ${MAX_NAMES_PER_VERSION} per program@version`, () => {
    // Write the definitions directly: ten thousand increments would only be slow.
    mkdirSync(pdir(), { recursive: true });
    const defs = [];
    for (let i = 0; i < MAX_NAMES_PER_VERSION; i++) {
      const b = Buffer.from(`crash/old${i}`);
      defs.push(encodeName(b, nameHash(b)));
    }
    writeFileSync(join(pdir(), 'names.wdn'), Buffer.concat(defs));
    const store = openStore(tmp.dir);
    expect(store.increment(tool, 'crash/old5', 1, NOW).name).toBe('crash/old5');
    expect(store.increment(tool, 'crash/new', 1, NOW).name).toBe(OVERFLOW_NAME);
    expect(counts(readStore(tmp.dir).rows)).toEqual({ 'crash/old5': 1, [OVERFLOW_NAME]: 1 });
  });
});

describe('reading', () => {
  it('filters by program, program@version and since', () => {
    const store = openStore(tmp.dir);
    store.increment(tool, 'a', 1, new Date('2026-10-01T00:00:00Z'));
    store.increment(tool, 'b', 1, NOW);
    store.increment({ name: 'other', version: '9' }, 'c', 1, NOW);
    const names = (o: Parameters<typeof readStore>[1]): string[] => readStore(tmp.dir, o).rows.map((r) => r.name);
    expect(names({})).toEqual(['a', 'b', 'c']);
    expect(names({ program: '@scope/tool' })).toEqual(['a', 'b']);
    expect(names({ program: '@scope/tool@1.2.3' })).toEqual(['a', 'b']);
    expect(names({ program: '@scope/tool@9' })).toEqual([]);
    expect(names({ program: 'other@9' })).toEqual(['c']);
    expect(names({ since: new Date('2026-11-23T00:00:00Z') })).toEqual(['b', 'c']); // Monday of 2026-W48
    expect(names({ since: new Date('2026-11-29T23:59:59Z') })).toEqual(['b', 'c']); // Sunday of 2026-W48
    expect(names({ since: new Date('2026-11-30T00:00:00Z') })).toEqual([]);
    expect(names({ since: new Date('0500-01-01T00:00:00Z') })).toEqual(['a', 'b', 'c']);
    expect(names({ since: new Date('+020000-01-01T00:00:00Z') })).toEqual([]);
    expect(() => readStore(tmp.dir, { since: new Date(NaN) })).toThrow(RangeError);
  });

  it('treats a missing store as empty', () => {
    expect(readStore(join(tmp.dir, 'nothing-here'))).toEqual({ rows: [], damage: [] });
    expect(readTotals(join(tmp.dir, 'nothing-here'))).toEqual({ totals: [], damage: [] });
    expect(listStoreFiles(join(tmp.dir, 'nothing-here'))).toEqual([]);
  });

  it('skips foreign entries', () => {
    openStore(tmp.dir).increment(tool, 'a', 1, NOW);
    mkdirSync(join(tmp.dir, 'counters', 'Not-Ours'));
    writeFileSync(join(tmp.dir, 'counters', 'x@1'), 'a file, not a directory');
    writeFileSync(join(pdir(), 'notes.txt'), 'hello');
    writeFileSync(join(pdir(), '2025-W53.wdc'), 'no such week');
    expect(readStore(tmp.dir)).toEqual({ rows: [{ program: tool.name, version: tool.version, week: WEEK, name: 'a', count: 1 }], damage: [] });
    expect(listStoreFiles(tmp.dir).map((f) => [f.path, f.kind])).toEqual([
      ['counters/%40scope%2Ftool@1.2.3/names.wdn', 'names'],
      [`counters/%40scope%2Ftool@1.2.3/${WEEK}.wdc`, 'counts'],
      ['counters/%40scope%2Ftool@1.2.3/2025-W53.wdc', 'unknown'],
      ['counters/%40scope%2Ftool@1.2.3/notes.txt', 'unknown'],
      ['counters/Not-Ours', 'unknown'],
      ['counters/x@1', 'unknown'],
    ]);
  });

  it('counts increments whose definition is lost as crash/unknown-name, merged with a real one', () => {
    const store = openStore(tmp.dir);
    store.increment(tool, 'a', 2, NOW);
    store.increment(tool, 'b', 3, NOW);
    store.increment(tool, UNKNOWN_NAME, 1, NOW);
    // Lose the definitions of a and b: keep only the last one (crash/unknown-name itself).
    const names = readFileSync(join(pdir(), 'names.wdn'));
    writeFileSync(join(pdir(), 'names.wdn'), names.subarray(names.length - (20 + 20)));
    const { rows, damage } = readStore(tmp.dir);
    expect(rows).toEqual([{ program: tool.name, version: tool.version, week: WEEK, name: UNKNOWN_NAME, count: 6 }]);
    expect(damage).toEqual([`counters/%40scope%2Ftool@1.2.3/names.wdn: no definition for 2 names used by 5 increments, counted as ${UNKNOWN_NAME}`]);
    expect(readTotals(tmp.dir).totals).toEqual([{ program: tool.name, version: tool.version, name: UNKNOWN_NAME, count: 6, weeks: [WEEK] }]);
    // Counting a again defines it again, and its earlier increments find their name.
    store.increment(tool, 'a', 1, NOW);
    expect(counts(readStore(tmp.dir).rows)).toEqual({ a: 3, [UNKNOWN_NAME]: 4 });
  });

  it('reports a missing names.wdn once', () => {
    const store = openStore(tmp.dir);
    store.increment(tool, 'a', 2, NOW);
    unlinkSync(join(pdir(), 'names.wdn'));
    expect(readStore(tmp.dir)).toEqual({
      rows: [{ program: tool.name, version: tool.version, week: WEEK, name: UNKNOWN_NAME, count: 2 }],
      damage: [`counters/%40scope%2Ftool@1.2.3/names.wdn: missing; no definition for 1 name used by 2 increments, counted as ${UNKNOWN_NAME}`],
    });
  });

  it('dedupes duplicate definitions', () => {
    openStore(tmp.dir).increment(tool, 'a', 1, NOW);
    const file = join(pdir(), 'names.wdn');
    appendFileSync(file, readFileSync(file)); // as two concurrent first increments would leave it
    openStore(tmp.dir).increment(tool, 'a', 1, NOW);
    expect(readStore(tmp.dir)).toEqual({ rows: [{ program: tool.name, version: tool.version, week: WEEK, name: 'a', count: 2 }], damage: [] });
  });
});

describe('permissions and errors', () => {
  it('creates directories 0700 and files 0600', () => {
    // The usual umask (022) would let 0755/0644 through: the modes must come from the store.
    // (process.umask cannot be set in worker threads; vitest's default pool is processes.)
    let old: number | undefined;
    try {
      old = process.umask(0o022);
    } catch {
      old = undefined;
    }
    try {
      const dir = join(tmp.dir, 'fresh', 'store');
      openStore(dir).increment(tool, 'a', 1, NOW);
      for (const d of [join(tmp.dir, 'fresh'), dir, join(dir, 'counters'), join(dir, 'counters', programDirName(tool))]) {
        expect(statSync(d).mode & 0o777).toBe(0o700);
      }
      for (const f of ['names.wdn', `${WEEK}.wdc`]) expect(statSync(join(dir, 'counters', programDirName(tool), f)).mode & 0o777).toBe(0o600);
    } finally {
      if (old !== undefined) process.umask(old);
    }
  });

  it('throws a one-line StoreError when the store cannot be used', () => {
    const file = join(tmp.dir, 'not-a-dir');
    writeFileSync(file, '');
    const read = (): unknown => readStore(file);
    expect(read).toThrow(StoreError);
    expect(read).toThrow(`cannot read directory ${join(file, 'counters')}: not a directory`);
    expect(() => listStoreFiles(file)).toThrow(StoreError);
    expect(() => dumpStore(file)).toThrow(StoreError);
    let err: unknown;
    try {
      openStore(file).increment(tool, 'a', 1, NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).not.toContain('\n');
    expect((err as StoreError).code).toBe('ENOTDIR');
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable directory as permission denied', () => {
    openStore(tmp.dir).increment(tool, 'a', 1, NOW);
    const counters = join(tmp.dir, 'counters');
    chmodSync(counters, 0);
    try {
      expect(() => readStore(tmp.dir)).toThrow(`cannot read directory ${counters}: permission denied`);
    } finally {
      chmodSync(counters, 0o700);
    }
  });
});

describe('dump and list', () => {
  it('dump shows every record with offset, kind, hash and name or delta', () => {
    const store = openStore(tmp.dir);
    store.increment(tool, 'crash/crash\nsrc/a.ts:f:+1', 1, NOW);
    store.increment(tool, 'crash/crash\nsrc/a.ts:f:+1', 4, NOW);
    appendFileSync(join(pdir(), `${WEEK}.wdc`), Buffer.from([0xff, 0x57, 0x43]));
    const h = Buffer.from(nameHash(Buffer.from('crash/crash\nsrc/a.ts:f:+1'))).toString('hex');
    expect(dumpStore(tmp.dir)).toBe(
      [
        '# @scope/tool@1.2.3',
        'counters/%40scope%2Ftool@1.2.3/names.wdn: 48 bytes',
        `         0  name     ${h}  "crash/crash\\nsrc/a.ts:f:+1"`,
        `counters/%40scope%2Ftool@1.2.3/${WEEK}.wdc: 43 bytes`,
        `         0  count    ${h}  +1`,
        `        20  count    ${h}  +4`,
        '        40  damaged  3 bytes',
        '',
      ].join('\n'),
    );
    expect(dumpStore(join(tmp.dir, 'none'))).toBe(`no counters in ${join(tmp.dir, 'none', 'counters')}\n`);
  });

  it('list gives kind, program, version, week and size', () => {
    openStore(tmp.dir).increment(tool, 'a', 1, NOW);
    expect(listStoreFiles(tmp.dir)).toEqual([
      { path: 'counters/%40scope%2Ftool@1.2.3/names.wdn', kind: 'names', program: tool.name, version: tool.version, week: null, size: 24 },
      { path: `counters/%40scope%2Ftool@1.2.3/${WEEK}.wdc`, kind: 'counts', program: tool.name, version: tool.version, week: WEEK, size: 20 },
    ]);
  });
});
