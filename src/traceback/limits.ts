/**
 * Bounds for everything the parsers accept. Crash output is untrusted input: a crashing program
 * (or anything else that writes on the channel) decides its size and shape, so every loop, string
 * and array a parser keeps has a fixed ceiling, and every line a pattern runs on is short.
 */

/** Frames kept from one structured record (the normalizer uses at most 16 of them). */
export const MAX_RECORD_FRAMES = 64;

/** Frames kept from one stack text; later `at` lines are not read. */
export const MAX_TEXT_FRAMES = 64;

/** Longest string kept from a record or a report field (a path, a function name, a kind). */
export const MAX_STRING = 1024;

/** Longest line the text parser looks at as a possible frame; longer lines are skipped. */
export const MAX_FRAME_LINE = 4096;

/** Longest stack text read from one record's `stack` field or one channel message. */
export const MAX_STACK_TEXT = 256 * 1024;

/** Longest JSON document (record line or report) handed to JSON.parse. */
export const MAX_JSON = 16 * 1024 * 1024;
