/**
 * The local counter store: one append-only log of checksummed records per program@version and
 * ISO week, plus one file of name definitions per program@version. docs/store.md has the format.
 * The crash path needs only store.ts (increment); the inspection commands need read/dump/files.
 */
export { openStore, MAX_NAMES_PER_VERSION, MAX_NAMES_PER_WEEK, OVERFLOW_NAME, type CounterStore, type Increment } from './store.js';
export { readStore, readTotals, UNKNOWN_NAME, type ReadOptions, type StoreContents, type StoreTotals } from './read.js';
export { dumpStore } from './dump.js';
export { listStoreFiles, type StoreFile } from './files.js';
export { StoreError } from './errors.js';
export { storeDir } from './location.js';
export { weekKey, isoWeek } from './week.js';
export type { CounterRow, CounterTotal, ProgramId } from './types.js';
