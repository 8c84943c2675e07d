/**
 * Privacy of every fixture's recorded store, with the programs installed where a user's name is
 * in every path: the fixtures are copied below `<tmp>/home/<user>/src/`, and run through the CLI
 * with HOME, USER and LOGNAME naming that user and a secret in the environment. Then:
 *  - the counters are exactly the fixtures' golden files (the same crash installed elsewhere
 *    gives the same name: test/e2e/fixtures.test.ts checks them where they are shipped);
 *  - no byte of the store holds the user name, the home directory, any absolute path of the copy
 *    or of the repository, the host name, the secret, or the text of any error message the
 *    fixtures throw (read from their sources);
 *  - the spool is empty: Node's reports and descendants' records were read and deleted.
 * test/e2e/privacy.test.ts checks the fixtures where they are; this adds the user-named paths,
 * the messages found in the sources, and the golden comparison.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGolden } from '../../src/cli/golden.js';
import { FIXTURES, ROOT, expectPrivate, finished, listing, markedProcesses, noneLeft, startWatchdog, tempDir, type Listing } from './helpers.js';

const USER = 'zed-wd-privacy-user';
const SECRET = 'wd-adv-secret-env-4d1c0b';
const MARKER = `WD_ADV_PRIVACY=${process.pid}`;

interface Spec {
  command: string[];
  exit?: number;
  signal?: string;
  options?: string[];
  program?: string;
  requires?: string[];
  skip?: string;
}

const tmp = tempDir();
const home = join(tmp.dir, 'home', USER);
const installed = join(home, 'src', 'tools');
const store = join(tmp.dir, 'store');
/** Fixtures that need a toolchain build (Go, Rust) are left to test/e2e: a copy would rebuild them. */
const fixtures = readdirSync(FIXTURES).filter((f) => {
  if (!existsSync(join(FIXTURES, f, 'fixture.json'))) return false;
  const spec = JSON.parse(readFileSync(join(FIXTURES, f, 'fixture.json'), 'utf8')) as Spec;
  return spec.requires === undefined && spec.skip === undefined;
});

/** The static text of every error message thrown in the fixtures' sources (8 characters or more). */
function messages(): string[] {
  const found = new Set<string>();
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  for (const f of fixtures) {
    for (const file of walk(join(FIXTURES, f)).filter((p) => /\.(js|mjs|cjs|ts|py)$/.test(p))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:Error|raise \w+|throw)\s*\(?\s*(['"`])((?:(?!\1).){8,}?)\1/g)) {
        const literal = m[2]!.split('${')[0]!.trim();
        if (literal.length >= 8) found.add(literal);
      }
    }
  }
  return [...found];
}

let recorded: Listing;
const statuses = new Map<string, { code: number | null; signal: string | null; want: Spec }>();

beforeAll(async () => {
  mkdirSync(installed, { recursive: true });
  for (const f of fixtures) cpSync(join(FIXTURES, f), join(installed, f), { recursive: true });
  const env = { HOME: home, USER, LOGNAME: USER, WD_ADV_SECRET: SECRET, [MARKER.split('=')[0]!]: MARKER.split('=')[1]! };
  // Four at a time: the fixtures are small, the machine has two cores.
  const queue = [...fixtures];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        const spec = JSON.parse(readFileSync(join(installed, f, 'fixture.json'), 'utf8')) as Spec;
        const args = [...(spec.options ?? []), ...(spec.program ? ['--program', spec.program] : []), '--', ...spec.command];
        const end = await finished(startWatchdog(args, store, { cwd: join(installed, f), env }));
        statuses.set(f, { code: end.code, signal: end.signal, want: spec });
      }
    }),
  );
  // Detached descendants (lingering-grandchild's sleeper) end before the store is read.
  for (const pid of markedProcesses(MARKER)) process.kill(pid, 'SIGKILL');
  await noneLeft(MARKER);
  recorded = await listing(store);
}, 180_000);
afterAll(() => tmp.remove());

describe('privacy, with the fixtures installed in a user-named home', () => {
  it(`runs every fixture (${fixtures.length}) with its status`, () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    for (const [f, s] of statuses) {
      if (s.want.signal) expect(s.signal, f).toBe(s.want.signal);
      else expect(s.code, f).toBe(s.want.exit ?? 0);
    }
  });

  it('records exactly the golden counters: the same crash installed elsewhere has the same name', () => {
    const key = (program: string, name: string): string => `${program}\n${name}`;
    const want = new Map<string, number>();
    for (const f of fixtures) {
      const file = join(FIXTURES, f, 'expected.txt');
      if (!existsSync(file)) continue;
      for (const g of parseGolden(readFileSync(file, 'utf8'))) want.set(key(g.program, g.name), (want.get(key(g.program, g.name)) ?? 0) + g.count);
    }
    const got = new Map<string, number>();
    for (const c of recorded.counters) got.set(key(`${c.program}@${c.version}`, c.name), (got.get(key(`${c.program}@${c.version}`, c.name)) ?? 0) + c.count);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
    expect(recorded.stderrLines).toEqual([]);
  });

  it('no user name, home, absolute path, host, secret or message text anywhere in the store; the spool is empty', () => {
    const texts = messages();
    console.log(`privacy-installed: ${fixtures.length} fixtures, ${recorded.counters.length} counters, ${texts.length} message texts: ${JSON.stringify(texts)}`);
    expect(texts.length).toBeGreaterThan(5);
    expect(existsSync(join(store, 'counters'))).toBe(true);
    expectPrivate(store, [USER, home, installed, tmp.dir, ROOT, hostname(), SECRET, ...texts]);
  });
});
