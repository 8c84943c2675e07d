/**
 * Frames -> counter names: the normalization rules of docs/counter-names.md, in one place.
 *   program.ts  which program (and root directory) a crash belongs to
 *   paths.ts    a frame's file -> the `<path>` of its line
 *   name.ts     frames -> `crash/crash` + one line per frame; the other `crash/...` names
 */
import type { ParsedCrash } from '../traceback/frame.js';
import { STACK_PREFIX, UNPARSED_NAME, clean, noStackName, stackCounterName } from './name.js';

export { fileName, framePath } from './paths.js';
export { clearProgramCache, findProgram, type Program } from './program.js';
export { MAX_FRAMES, MAX_NAME_BYTES, STACK_PREFIX, UNPARSED_NAME, clean, frameLine, noStackName, stackCounterName } from './name.js';

/**
 * The counter name of any parsed crash: its stack name, `crash/no-stack:<kind>` when no frame is
 * left, a named crash's own (single-line) name, or `crash/unparsed`. Frames are used as given
 * (symbolize them first).
 */
export function counterName(crash: ParsedCrash, root: string | null): string {
  if (crash.type === 'unparsed') return UNPARSED_NAME;
  if (crash.type === 'counter') {
    const name = typeof crash.name === 'string' && crash.name.startsWith('crash/') ? clean(crash.name) : UNPARSED_NAME;
    return name;
  }
  const name = stackCounterName(crash.frames, root, crash.runtime);
  return name === STACK_PREFIX ? noStackName(crash.kind) : name;
}
