/**
 * The spool, collecting side: crashes that did not come through the channel, waiting in the
 * watchdog's private directory `<store>/reports` (mode 0700) to be counted.
 *
 * Two kinds of files arrive there:
 * - Node's fatal-error reports, `report.<date>.<time>.<pid>.<tid>.<seq>.json`: children run with
 *   `--report-on-fatalerror --report-directory=<store>/reports`, so a heap exhaustion or other
 *   fatal error that no JavaScript handler sees leaves one. A report also holds the environment,
 *   command line and host name: it is read here, handed on as text to be reduced to the few fields
 *   the parser needs, and deleted at once.
 * - Crash records, `record.<pid>.<unique>.json`: the preload of a process under the watchdog that
 *   has no channel (a descendant started by Node, npm or npx) writes its record there
 *   (src/child/spool.ts), one line per file. They hold absolute paths until collected.
 * - Deferred jobs, `job.<pid>.<unique>.json` (src/crash/defer.ts): a crash of the run whose source
 *   maps are too big to map before the watchdog returns to the shell, with its program identity
 *   already decided. A job is deleted only once it has been counted (release()), and a job claimed
 *   by a collector that died is claimed again: a job is never lost, not even on a reboot.
 *
 * Invariants:
 * - Each file is claimed by renaming it to `claimed.<our pid>.<name>` before it is read, so two
 *   watchdogs collecting at the same time never take one file twice; the claimed file is read
 *   (bounded: MAX_REPORT_BYTES, MAX_RECORD_BYTES) and deleted at once, whatever it holds. No raw
 *   text is ever kept on disk.
 * - Descendants' files are collected too, and files left by processes that crashed after their
 *   watchdog had exited (a detached grandchild) wait here for the next run or listing.
 * - A report belongs to the run whose child wrote it, or whose descendant did: the run's pid is in
 *   the report's environment (`WATCHDOG_RUN`, child-env.ts). Every run on the store shares this
 *   directory, so a run takes only its own reports and orphans (their run is gone, or unknown),
 *   and leaves another live run's report for that run to count under its program; a listing takes
 *   orphans only. A report that does not parse while its writer lives is still being written, and
 *   is left for later.
 * - `partial.*` files (a record being written) are never read; ones older than STALE_MS were left
 *   by a writer that died mid-write and are deleted. A `claimed.*` file whose collector died
 *   before it had counted it (killed between the rename and the count) is taken again, as if
 *   never claimed: a job is deleted only once counted, and a record or report is deleted right
 *   after it is read, so a claimed one still there was not counted. A claimed file older than
 *   STALE_MS is taken again too (its collector's pid was reused). Other names are not the
 *   watchdog's and are left alone.
 * - Nothing here throws.
 */
import { lstatSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The spool of a store: also the `--report-directory` of every Node child. */
export function spoolDir(storeDir: string): string {
  return join(storeDir, 'reports');
}

/** Reports larger than this are not Node's (a real one is tens of KiB): deleted unread. */
const MAX_REPORT_BYTES = 8 * 1024 * 1024;
/** A record is at most 32 KiB (src/child/build-record.ts); a larger file is not a record. */
const MAX_RECORD_BYTES = 256 * 1024;
const STALE_MS = 10 * 60 * 1000;

const REPORT_NAME = /^report\.\d{8}\.\d{6}\.(\d+)\.\d+\.\d+\.json$/;
const RECORD_NAME = /^record\.(\d+)\.[0-9a-z-]{1,40}\.json$/;
const JOB_NAME = /^job\.(\d+)\.[0-9a-z-]{1,40}\.json$/;
const CLAIMED_JOB = /^claimed\.(\d+)\.(job\..*)$/;
const CLAIMED_FILE = /^claimed\.(\d+)\.((?:job|record|report)\..*)$/;
const PARTIAL_NAME = /^partial\./;
/** A job is small: frames and an identity. */
const MAX_JOB_BYTES = 256 * 1024;

/** The variable that names a run in its processes' environment: the watchdog's pid. */
export const RUN_VAR = 'WATCHDOG_RUN';

/** The run collecting: its child's pid and its own; null for a listing or a collector. */
export interface Collector {
  childPid: number;
  runPid: number;
}

export interface SpooledFile {
  kind: 'report' | 'record' | 'job';
  /** For a report: it is the collecting run's own (its child's or a descendant's), not an orphan. */
  ours?: boolean;
  /** The process that wrote it, from its name. */
  pid: number;
  /** The file's text; null when it was too large or unreadable (it is deleted all the same). */
  text: string | null;
  /** For a job: the claimed file, to delete with release() once the job is counted. */
  claimed?: string;
}

/** Deletes a counted job's claimed file. */
export function release(file: SpooledFile): void {
  if (file.claimed !== undefined) rmSync(file.claimed, { force: true });
}

/** Whether `pid` names a live process (one we may not signal counts as alive). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims `name` in `dir` for this process by renaming it to `claimed.<our pid>.<name>`: the path
 * of the claimed file, or null when another watchdog took it first.
 */
export function claim(dir: string, name: string): string | null {
  const claimed = join(dir, `claimed.${process.pid}.${name}`);
  try {
    renameSync(join(dir, name), claimed);
    return claimed;
  } catch {
    return null;
  }
}

/** True when a report or a record is waiting in `dir`: one readdir. Never throws. */
export function spoolWaiting(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => REPORT_NAME.test(name) || RECORD_NAME.test(name) || JOB_NAME.test(name) || CLAIMED_FILE.test(name));
  } catch {
    return false;
  }
}

/** True while another live process is counting a job it claimed from `dir`. Never throws. */
export function jobsInFlight(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => {
      const claimed = CLAIMED_JOB.exec(name);
      return claimed !== null && Number(claimed[1]) !== process.pid && alive(Number(claimed[1]));
    });
  } catch {
    return false;
  }
}

/**
 * Takes every record and job waiting in `dir`, and the reports that are the collecting run's or
 * nobody's (see the invariants); reports first, the run's own before orphans, the child's before
 * other processes'. Never throws.
 */
export function claimSpool(dir: string, collector: Collector | null): SpooledFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const files: SpooledFile[] = [];
  for (let name of names) {
    // A file whose collector died before counting it is taken again, as if never claimed.
    const orphan = CLAIMED_FILE.exec(name);
    if (orphan !== null) {
      if (!abandoned(join(dir, name), Number(orphan[1]))) continue;
      try {
        renameSync(join(dir, name), join(dir, orphan[2]!));
        name = orphan[2]!;
      } catch {
        continue;
      }
    }
    const report = REPORT_NAME.exec(name);
    const record = report === null ? RECORD_NAME.exec(name) : null;
    const job = report === null && record === null ? JOB_NAME.exec(name) : null;
    if (report === null && record === null && job === null) {
      if (PARTIAL_NAME.test(name)) removeIfStale(join(dir, name));
      continue;
    }
    // A report is read before it is claimed: only its content says whose it is.
    const reportText = report !== null ? readKept(join(dir, name), MAX_REPORT_BYTES) : null;
    const owner = report !== null ? reportOwner(reportText, Number(report[1]), collector) : null;
    if (owner === 'other') continue;
    const claimed = claim(dir, name);
    if (claimed === null) continue;
    if (job !== null) {
      files.push({ kind: 'job', pid: Number(job[1]), text: readKept(claimed, MAX_JOB_BYTES), claimed });
    } else if (report !== null) {
      rmSync(claimed, { force: true });
      files.push({ kind: 'report', ours: owner === 'ours', pid: Number(report[1]), text: reportText });
    } else {
      files.push({ kind: 'record', pid: Number(record![1]), text: readBounded(claimed, MAX_RECORD_BYTES) });
    }
  }
  const childPid = collector?.childPid ?? 0;
  const rank = (f: SpooledFile): number => (f.kind === 'report' ? (f.ours ? 0 : 2) : 4) + (f.pid === childPid ? 0 : 1);
  return files.sort((a, b) => rank(a) - rank(b));
}

/**
 * Whose report `text` (written by `writer`) is: the collecting run's, an orphan's (its run has
 * ended, or it names none), or another live run's, to be left alone. A report still being
 * written (its writer alive, its JSON not yet whole) is left alone too. An unreadable or
 * oversized file (null) is an orphan: it is taken and deleted.
 */
function reportOwner(text: string | null, writer: number, collector: Collector | null): 'ours' | 'orphan' | 'other' {
  if (text === null) return 'orphan';
  let header: unknown;
  let run: unknown;
  try {
    const doc = JSON.parse(text) as { header?: unknown; environmentVariables?: unknown };
    header = doc?.header;
    const env = doc?.environmentVariables;
    run = typeof env === 'object' && env !== null && Object.hasOwn(env, RUN_VAR) ? (env as Record<string, unknown>)[RUN_VAR] : undefined;
  } catch {
    return alive(writer) ? 'other' : 'orphan';
  }
  const processId = typeof header === 'object' && header !== null && Object.hasOwn(header, 'processId') ? (header as Record<string, unknown>).processId : undefined;
  const runPid = typeof run === 'string' && /^[1-9]\d{0,9}$/.test(run) ? Number(run) : null;
  if (collector !== null && (runPid === collector.runPid || (processId === collector.childPid && collector.childPid > 0))) return 'ours';
  return runPid !== null && alive(runPid) ? 'other' : 'orphan';
}

/** The text of a regular file (never a link's target) of at most `max` bytes; deleted in every case. */
function readBounded(path: string, max: number): string | null {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size <= max ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  } finally {
    rmSync(path, { force: true });
  }
}

/** The text of a regular file of at most `max` bytes, left in place (a job is deleted once counted). */
function readKept(path: string, max: number): string | null {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size <= max ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  }
}

/** Whether a file claimed by `claimer` was left by it: the claimer is gone, or the claim is stale. */
function abandoned(path: string, claimer: number): boolean {
  if (claimer === process.pid) return false;
  if (!alive(claimer)) return true;
  try {
    return Date.now() - lstatSync(path).mtimeMs > STALE_MS;
  } catch {
    return false;
  }
}

function removeIfStale(path: string): void {
  try {
    if (Date.now() - lstatSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
  } catch {
    // Gone already, or not ours to judge.
  }
}
