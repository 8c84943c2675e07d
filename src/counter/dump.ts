/**
 * dumpStore(): the store as it is on disk, record by record, for `watchdog dump`: each file with
 * its size, then one line per record (offset, kind, hash in disk byte order, and the name or the
 * delta) and one line per damaged stretch. Nothing is summed, merged or resolved, so the dump shows
 * exactly what the readers start from, duplicates and orphan definitions included. A snapshot
 * (summary.wds, a cache of the closed weeks) is shown by what it covers and its totals.
 */
import { join } from 'node:path';
import { reason } from './errors.js';
import { NAMES_FILE, SUMMARY_FILE, programDirs, programFiles, readWhole, weekFileName } from './files.js';
import { Records, decodeCounts, decodeNames } from './format.js';
import { describeSummary } from './summary.js';

/** Offsets and hashes are fixed-width so the columns line up. */
function offset(n: number): string {
  return String(n).padStart(10);
}

function hex(b: Buffer, p: number): string {
  return b.toString('hex', p, p + 8);
}

function damaged(out: string[], from: number, length: number): void {
  out.push(`${offset(from)}  damaged  ${length} byte${length === 1 ? '' : 's'}`);
}

/** The records and damaged stretches of a file, in offset order, one line each. */
function dumpRecords(r: Records, line: (k: number) => string, out: string[]): void {
  let d = 0;
  for (let k = 0; k <= r.n; k++) {
    const at = k < r.n ? r.offset[k]! : r.end;
    for (; d < r.damage.length && r.damage[d]! < at; d += 2) damaged(out, r.damage[d]!, r.damage[d + 1]!);
    if (k < r.n) out.push(line(k));
  }
}

function dumpNames(buf: Buffer, out: string[]): void {
  const r = new Records();
  decodeNames(buf, buf.length, r);
  dumpRecords(r, (k) => {
    const p = r.offset[k]!;
    return `${offset(p)}  name     ${hex(buf, p + 8)}  ${JSON.stringify(buf.toString('utf8', p + 16, p + 16 + r.value[k]!))}`;
  }, out);
}

function dumpCounts(buf: Buffer, out: string[]): void {
  const r = new Records();
  decodeCounts(buf, buf.length, r);
  dumpRecords(r, (k) => `${offset(r.offset[k]!)}  count    ${hex(buf, r.offset[k]! + 4)}  +${r.value[k]}`, out);
}

/** A text dump of every file under `<dir>/counters`. Throws StoreError only for unreadable directories. */
export function dumpStore(dir: string): string {
  const out: string[] = [];
  const file = (rel: string, path: string, dump: (b: Buffer, out: string[]) => void): void => {
    let buf: Buffer | null;
    try {
      buf = readWhole(path);
    } catch (e) {
      out.push(`${rel}: unreadable (${reason(e)})`);
      return;
    }
    if (!buf) return;
    out.push(`${rel}: ${buf.length} bytes`);
    dump(buf, out);
  };
  const { dirs, others } = programDirs(dir);
  for (const pd of dirs) {
    const { names, weeks, summary, summaryTemps, others: foreign } = programFiles(pd);
    out.push(`# ${pd.program.name}@${pd.program.version}`);
    if (names) file(`${pd.rel}/${NAMES_FILE}`, join(pd.path, NAMES_FILE), dumpNames);
    for (const w of weeks) file(`${pd.rel}/${weekFileName(w)}`, join(pd.path, weekFileName(w)), dumpCounts);
    if (summary) file(`${pd.rel}/${SUMMARY_FILE}`, join(pd.path, SUMMARY_FILE), (b, o) => o.push(...describeSummary(b, offset)));
    for (const f of summaryTemps) out.push(`${pd.rel}/${f}: a snapshot being written (or left by a listing that died)`);
    for (const f of foreign) out.push(`${pd.rel}/${f}: not a store file`);
  }
  for (const e of others) out.push(`counters/${e}: not a store directory`);
  if (out.length === 0) out.push(`no counters in ${join(dir, 'counters')}`);
  return out.join('\n') + '\n';
}
