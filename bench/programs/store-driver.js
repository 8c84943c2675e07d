// Row 4's driver, bundled with the store (src/counter/store.ts) into bench/.work/store/driver.cjs.
//   node driver.cjs one <dir>            one increment, as the crash path makes it, then exit
//   node driver.cjs --noop <dir>         the same process and bundle, no increment (the baseline)
//   node driver.cjs burst <dir> <i> <n>  prints `ready`, waits for a byte on stdin (so all
//                                        processes start together), then n rounds of incrementing
//                                        a shared counter and its own; prints bench-burst=<t0> <t1>
import { readSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openStore } from '../../src/counter/store.ts';

const PROGRAM = { name: 'bench-store', version: '1.0.0' };
export const SHARED = 'crash/crash\nbench/store.js:shared:+1';
export const own = (i) => `crash/crash\nbench/store.js:own${i}:+1`;
const now = () => performance.timeOrigin + performance.now();

function waitForGo() {
  const byte = Buffer.alloc(1);
  for (;;) {
    try {
      if (readSync(0, byte, 0, 1, null) === 1) return;
      throw new Error('stdin closed before the start signal');
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

const [mode, dir, index, count] = process.argv.slice(2);
if (mode === 'one') {
  openStore(dir).increment(PROGRAM, SHARED);
} else if (mode === 'burst') {
  const store = openStore(dir);
  const mine = own(Number(index));
  writeSync(1, 'ready\n');
  waitForGo();
  const t0 = now();
  for (let i = 0; i < Number(count); i++) {
    store.increment(PROGRAM, SHARED);
    store.increment(PROGRAM, mine);
  }
  writeSync(1, `bench-burst=${t0} ${now()}\n`);
} else if (mode !== '--noop') {
  throw new Error(`unknown mode ${mode}`);
}
