/** Replaced at build time by the package version (scripts/build.mjs). */
declare const __WATCHDOG_VERSION__: string;
