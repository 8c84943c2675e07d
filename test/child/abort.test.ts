/**
 * process.abort() and fatal errors that no JavaScript sees.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PRELOAD, records, runNode, tempDir } from './helpers.js';

const tmp = tempDir('watchdog-abort-');
afterAll(() => tmp.remove());

describe('process.abort()', () => {
  const prog = tmp.write(
    'abort.cjs',
    `function shutdown() {
  process.abort();
}
shutdown();
`,
  );

  it('writes an abort record with the caller’s frames, then still dies by SIGABRT', async () => {
    const [bare, preloaded] = await Promise.all([runNode([prog]), runNode(['--require', PRELOAD, prog])]);
    expect(bare.signal).toBe('SIGABRT');
    expect(preloaded.signal).toBe('SIGABRT');
    expect(preloaded.code).toBe(bare.code);
    const recs = records(preloaded.channel);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ kind: 'abort', errorClass: null, entry: prog });
    expect(recs[0]!.frames[0]).toMatchObject({ file: prog, fn: 'shutdown', line: 2, encLine: 1 });
    expect(recs[0]!.frames[1]).toMatchObject({ fn: null, line: 4, top: true });
    expect(preloaded.stdout.equals(bare.stdout)).toBe(true);
  });

  it('prints the same report, except one frame: the wrapper, on top of Node’s JavaScript stack', async () => {
    // Node prints the JavaScript stack at the abort, and the wrapper is on it: a known, documented
    // difference (docs/channel.md). Everything else is byte-identical.
    const [bare, preloaded] = await Promise.all([runNode([prog]), runNode(['--require', PRELOAD, prog])]);
    const lines = preloaded.stderr.toString().split('\n');
    const at = lines.findIndex((l) => /^1: abort \(.*preload\.cjs:\d+:\d+\)$/.test(l));
    expect(at).toBeGreaterThan(0);
    lines.splice(at, 1);
    for (let i = at; i < lines.length && /^\d+: /.test(lines[i]!); i++) {
      lines[i] = lines[i]!.replace(/^(\d+): /, (_, n: string) => `${Number(n) - 1}: `);
    }
    expect(lines.join('\n')).toBe(bare.stderr.toString());
  });

  it('keeps abort’s name, length and property attributes', async () => {
    const p = tmp.write(
      'abort-shape.cjs',
      `const d = Object.getOwnPropertyDescriptor(process, 'abort');
console.log(JSON.stringify([d.value.name, d.value.length, d.writable, d.enumerable, d.configurable, typeof d.value]));
`,
    );
    const [bare, preloaded] = await Promise.all([runNode([p]), runNode(['--require', PRELOAD, p])]);
    expect(preloaded.stdout.toString()).toBe(bare.stdout.toString());
  });
});

describe('fatal errors no JavaScript sees (heap exhausted)', () => {
  it('--report-on-fatalerror still writes its report with the preload', async () => {
    const prog = tmp.write(
      'oom.cjs',
      `const keep = [];
for (;;) keep.push(new Array(1e5).fill({ n: keep.length }));
`,
    );
    const bareDir = join(tmp.dir, 'reports-bare');
    const preDir = join(tmp.dir, 'reports-preloaded');
    mkdirSync(bareDir);
    mkdirSync(preDir);
    const flags = (dir: string) => ['--max-old-space-size=16', '--report-on-fatalerror', `--report-directory=${dir}`];
    const [bare, preloaded] = await Promise.all([
      runNode([...flags(bareDir), prog]),
      runNode(['--require', PRELOAD, ...flags(preDir), prog]),
    ]);
    expect(preloaded.signal).toBe(bare.signal);
    expect(preloaded.code).toBe(bare.code);
    expect(readdirSync(bareDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(readdirSync(preDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(preloaded.stderr.toString()).toContain('JavaScript heap out of memory');
    expect(preloaded.channel.length).toBe(0);
  }, 60_000);

  it('also when the watchdog passes the flags through NODE_OPTIONS, as it will', async () => {
    const prog = join(tmp.dir, 'oom.cjs');
    const dir = join(tmp.dir, 'reports-node-options');
    mkdirSync(dir);
    const r = await runNode(['--max-old-space-size=16', prog], {
      env: { NODE_OPTIONS: `--report-on-fatalerror --report-directory=${dir} --require ${PRELOAD}` },
    });
    expect(r.signal ?? r.code).toBeTruthy();
    const reports = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(reports).toHaveLength(1);
  }, 60_000);
});
