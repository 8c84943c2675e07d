/**
 * Node's fatal-error reports, collected from the watchdog's private spool.
 *
 * Children run with `--report-on-fatalerror --report-directory=<store>/reports`, so a heap
 * exhaustion or other fatal error that no JavaScript handler sees leaves a report there. A report
 * also holds the environment, command line and host name: it is read here, reduced to the few
 * fields the parser needs, and deleted at once. Reports are claimed by rename before reading,
 * so two watchdogs finishing at the same time never count one report twice; descendants' reports
 * are collected too (they crashed under this watchdog).
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Reports larger than this are not Node's (a real one is tens of KiB): deleted unread. */
const MAX_REPORT_BYTES = 8 * 1024 * 1024;
const REPORT_NAME = /^report\.\d{8}\.\d{6}\.(\d+)\.\d+\.\d+\.json$/;

export interface ClaimedReport {
  pid: number;
  text: string;
}

/** Takes every report waiting in `dir`, the child's (`pid`) first. Never throws. */
export function claimReports(dir: string, pid: number): ClaimedReport[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const reports: ClaimedReport[] = [];
  for (const name of names) {
    const match = REPORT_NAME.exec(name);
    if (!match) continue;
    const claimed = join(dir, `claimed.${process.pid}.${name}`);
    try {
      renameSync(join(dir, name), claimed);
    } catch {
      continue; // Another watchdog took it.
    }
    try {
      if (statSync(claimed).size <= MAX_REPORT_BYTES) {
        reports.push({ pid: Number(match[1]), text: readFileSync(claimed, 'utf8') });
      }
    } catch {
      // Unreadable: dropped with the file below.
    } finally {
      rmSync(claimed, { force: true });
    }
  }
  return reports.sort((a, b) => Number(b.pid === pid) - Number(a.pid === pid));
}
