import { defineConfig } from 'vitest/config';

// `npm run soak`: the adversarial suite (test/adversarial) with every repeated count ten times
// larger (WATCHDOG_SOAK, read by test/adversarial/helpers.ts): 20 rounds of 32 watchdogs killed
// while recording, 3000 runs of each fuzzing property, 1200 flipped store files, ... Minutes, not
// seconds: not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/adversarial/**/*.test.ts'],
    env: { WATCHDOG_SOAK: '10' },
    testTimeout: 30 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
