/**
 * symbolize: source-map lookup for crash frames, local files only.
 *
 * createSymbolizer() returns a Symbolizer whose symbolize(frame, root) maps a Frame's generated
 * JavaScript position to its original source (see symbolizer.ts for the rules, locate.ts and
 * read-rule.ts for which files are read, docs/source-maps.md for the whole story and the
 * measurements behind the hand-written decoder in mappings.ts).
 */

export { createSymbolizer } from './symbolizer.js';
export type { Symbolizer, SymbolizerOptions } from './symbolizer.js';
export { DEFAULT_MAX_MAP_BYTES } from './read-rule.js';
export { sourceMapBytes } from './cost.js';
