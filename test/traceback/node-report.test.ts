import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryFromCommandLine, parseNodeReport } from '../../src/traceback/node-report.js';
import { runNode, tempDir, writeTree } from './node-run.js';

const SECRET = 'watchdog-secret-4f9c2e';

function onlyReport(dir: string): string {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  expect(names).toHaveLength(1);
  return readFileSync(join(dir, names[0]!), 'utf8');
}

describe('parseNodeReport on real reports', () => {
  it('names a heap exhaustion crash/oom (node -e, no entry script)', () => {
    const reports = tempDir();
    const run = runNode(tempDir(), ['--report-on-fatalerror', `--report-directory=${reports}`, '--max-old-space-size=16', '-e', 'const a = []; for (;;) a.push({ x: new Array(1000).fill(1) });'], { WATCHDOG_TEST_SECRET: SECRET });
    expect(run.status).not.toBe(0);
    const text = onlyReport(reports);
    expect(text).toContain(SECRET); // the report holds the environment ...
    const crash = parseNodeReport(text);
    expect(crash).toEqual({ type: 'counter', name: 'crash/oom', runtime: 'node', entry: null });
  }, 60_000);

  it('finds the entry script of a crashed program and copies nothing else', () => {
    const reports = tempDir();
    const dir = tempDir();
    writeTree(dir, { 'main.js': 'const a = [];\nfunction grow() { for (;;) a.push({ x: new Array(1000).fill(1) }); }\ngrow();\n' });
    const main = join(dir, 'main.js');
    const run = runNode(dir, ['--report-on-fatalerror', `--report-directory=${reports}`, '--max-old-space-size=16', main, SECRET], { WATCHDOG_TEST_SECRET: SECRET });
    expect(run.status).not.toBe(0);
    const text = onlyReport(reports);
    expect(text).toContain(hostname());
    const crash = parseNodeReport(text);
    expect(crash).toEqual({ type: 'counter', name: 'crash/oom', runtime: 'node', entry: main });
    const json = JSON.stringify(crash);
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain(hostname());
  }, 60_000);

  it('reads the JavaScript stack of an uncaught-exception report, message lines skipped', () => {
    const reports = tempDir();
    const dir = tempDir();
    writeTree(dir, { 'main.js': `function fail() {\n  throw new TypeError('${SECRET}\\nsecond line');\n}\nfail();\n` });
    runNode(dir, ['--report-uncaught-exception', `--report-directory=${reports}`, join(dir, 'main.js')], { WATCHDOG_TEST_SECRET: SECRET });
    const text = onlyReport(reports);
    expect(text).toContain('second line');
    const crash = parseNodeReport(text);
    expect(crash.type).toBe('stack');
    if (crash.type !== 'stack') return;
    expect(crash.kind).toBe('uncaughtException');
    expect(crash.errorClass).toBeNull();
    expect(crash.runtimeVersion).toBe(process.version);
    expect(crash.entry).toBe(join(dir, 'main.js'));
    expect(crash.pid).toBeGreaterThan(0);
    expect(crash.frames[0]).toMatchObject({ function: 'fail', file: join(dir, 'main.js'), line: 2 });
    expect(crash.frames[1]).toMatchObject({ function: null, toplevel: true, line: 4 });
    const json = JSON.stringify(crash);
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain('second line');
    expect(json).not.toContain(hostname());
  }, 60_000);
});

describe('parseNodeReport on hand-written documents', () => {
  const report = (header: Record<string, unknown>, stack: unknown = ['at f (/a.js:1:2)']) =>
    JSON.stringify({ header: { nodejsVersion: 'v20.1.0', commandLine: ['node', '/app/main.js'], processId: 9, ...header }, javascriptStack: { message: 'Error: secret', stack }, environmentVariables: { TOKEN: 'secret' } });

  it('trusts only a fatal error event for out-of-memory', () => {
    expect(parseNodeReport(report({ event: 'Allocation failed - JavaScript heap out of memory', trigger: 'FatalError' }))).toMatchObject({ type: 'counter', name: 'crash/oom' });
    expect(parseNodeReport(report({ event: 'whatever', trigger: 'OOMError' }))).toMatchObject({ type: 'counter', name: 'crash/oom' });
    // An uncaught exception's event is the program's message: never taken as OOM.
    const thrown = parseNodeReport(report({ event: 'Error: heap out of memory', trigger: 'Exception' }));
    expect(thrown).toMatchObject({ type: 'stack', kind: 'uncaughtException', entry: '/app/main.js', pid: 9 });
  });

  it('gives a stack crash without frames when the stack is unusable', () => {
    const crash = parseNodeReport(report({ event: 'x', trigger: 'FatalError' }, ['Unavailable.']));
    expect(crash).toMatchObject({ type: 'stack', kind: 'fatalError', frames: [] });
    expect(parseNodeReport(report({ trigger: 'Signal' }, 'not an array'))).toMatchObject({ type: 'stack', kind: 'signal', frames: [] });
  });

  it('is unparsed when the document is not a report', () => {
    for (const text of ['', 'not json', '[]', '{}', '{"header":5}', '{"header":{}}', 'null']) {
      expect(parseNodeReport(text)).toEqual({ type: 'unparsed' });
    }
  });

  it('never copies anything but the six fields', () => {
    const crash = parseNodeReport(report({ event: 'Exception', trigger: 'Exception', host: 'secret-host', cwd: '/home/secret' }));
    expect(JSON.stringify(crash)).not.toMatch(/secret/);
  });
});

describe('entryFromCommandLine', () => {
  it.each([
    [['node', '/app/main.js', '--flag', 'x'], '/app/main.js'],
    [['/usr/bin/node', '--max-old-space-size=16', '/app/main.js'], '/app/main.js'],
    [['node', '-r', '/pre.js', '--import', 'tsx', '/app/main.js'], '/app/main.js'],
    [['node', '--require=/pre.js', '/app/main.js'], '/app/main.js'],
    [['node', '--', '/app/-dash.js'], '/app/-dash.js'],
    [['node', '-e', 'code', '/app/main.js'], null],
    [['node', '-p', '1'], null],
    [['node'], null],
    [['node', '--inspect'], null],
    [['node', 5, '/app/main.js'], null],
  ])('%j -> %s', (argv, entry) => {
    expect(entryFromCommandLine(argv)).toBe(entry);
  });

  it('resolves a relative script against the current directory', () => {
    expect(entryFromCommandLine(['node', 'bin/cli.js'])).toBe(resolve('bin/cli.js'));
  });
});
