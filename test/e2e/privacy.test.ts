/**
 * Privacy over the real thing: every crash fixture runs through the CLI into one store, then
 * every byte the store holds is searched for what must never be there.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, tempStore, watchdog } from './cli.js';

const SECRET_ENV = 'wd-secret-env-value-7f3a9c';
const MESSAGES = ['secret-argument', 'cannot parse', 'bad config', 'not found', 'connection refused', 'db.internal.example', 'Invalid Version', 'unexpected @', 'missing value', 'the handler itself fails', 'first failure', 'crashed while a grandchild'];

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('privacy of the store', () => {
  const store = tempStore();
  let files: string[] = [];

  beforeAll(async () => {
    const fixtures = readdirSync(FIXTURES).filter((f) => existsSync(join(FIXTURES, f, 'fixture.json')));
    for (const name of fixtures) {
      const spec = JSON.parse(readFileSync(join(FIXTURES, name, 'fixture.json'), 'utf8')) as { command: string[]; skip?: string; maxSeconds?: number };
      if (spec.skip || name === 'channel-flood') continue;
      await watchdog(['--', ...spec.command], store.dir, { cwd: join(FIXTURES, name), env: { WD_PRIVATE: SECRET_ENV } });
    }
    files = filesBelow(store.dir);
  }, 120_000);
  afterAll(() => store.remove());

  it('recorded something from the fixtures', () => {
    expect(files.filter((f) => f.includes('counters')).length).toBeGreaterThan(5);
  });

  it('holds no absolute path, home, user, host, message or environment value', () => {
    const forbidden = [ROOT, FIXTURES, homedir(), tmpdir() + '/', userInfo().username === 'root' ? '/root' : userInfo().username, hostname(), SECRET_ENV, ...MESSAGES];
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      for (const word of forbidden) expect(bytes.includes(word), `${word} in ${file}`).toBe(false);
    }
  });

  it('keeps no Node fatal-error report (they hold the environment) after reading it', () => {
    const reports = join(store.dir, 'reports');
    const left = existsSync(reports) ? readdirSync(reports) : [];
    expect(left).toEqual([]);
    if (existsSync(reports)) expect(statSync(reports).mode & 0o777).toBe(0o700);
  });
});
