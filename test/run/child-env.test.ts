/** The child's environment (src/run/child-env.ts): the spool is named only when there is one. */
import { describe, expect, it } from 'vitest';
import { childEnv } from '../../src/run/child-env.js';

const options = { preload: '/opt/wd/dist/preload.cjs', pythonAdapter: '/opt/wd/dist/python', runPid: 4242 };

describe('childEnv and the spool', () => {
  it('names the spool when the report directory exists', () => {
    const env = childEnv({ PATH: '/bin' }, { ...options, reportDir: '/home/u/.local/share/watchdog/reports' });
    expect(env.WATCHDOG_CRASH_SPOOL).toBe('/home/u/.local/share/watchdog/reports');
    expect(env.WATCHDOG_CRASH_FD).toBe('3');
    expect(env.NODE_OPTIONS).toContain('--report-directory=/home/u/.local/share/watchdog/reports');
  });

  it('replaces an inherited spool, and removes it when there is none', () => {
    const outer = { WATCHDOG_CRASH_SPOOL: '/outer/reports', WATCHDOG_CRASH_ID: '9:9' };
    expect(childEnv(outer, { ...options, reportDir: '/inner/reports' }).WATCHDOG_CRASH_SPOOL).toBe('/inner/reports');
    const none = childEnv(outer, { ...options, reportDir: null });
    expect('WATCHDOG_CRASH_SPOOL' in none).toBe(false);
    expect('WATCHDOG_CRASH_ID' in none).toBe(false);
    expect(none.NODE_OPTIONS).not.toContain('--report-directory');
  });

  it('names the run, replacing an outer watchdog\'s: a report is paired with its run by it', () => {
    expect(childEnv({ WATCHDOG_RUN: '17' }, { ...options, reportDir: '/r' }).WATCHDOG_RUN).toBe('4242');
    expect(childEnv({}, { ...options, reportDir: null }).WATCHDOG_RUN).toBe('4242');
  });

  it("removes the launcher's note of ignored signals: it was about this watchdog's caller", () => {
    expect('WATCHDOG_CALLER_SIGIGN' in childEnv({ WATCHDOG_CALLER_SIGIGN: '0000000000000001' }, { ...options, reportDir: null })).toBe(false);
  });
});
