/**
 * Program identity: which program@version a crash is counted under.
 *
 * In order: `--program NAME[@VERSION]` (version `devel` when omitted); the package.json nearest
 * the Node entry script (its name and version); the command's base name @devel. The result is
 * bounded and holds no directory, so no path reaches the store through it.
 */
import { basename } from 'node:path';
import type { ProgramId } from '../counter/types.js';

export const DEVEL = 'devel';

/** A base name without control characters, at most 100 characters; `unknown` when empty. */
export function commandName(command: string): string {
  const name = basename(command).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 100);
  return name === '' || name === '.' || name === '..' ? 'unknown' : name;
}

export function programIdentity(
  override: { name: string; version: string | null } | null,
  discovered: { name: string | null; version: string | null } | null,
  command: string,
): ProgramId {
  if (override !== null) return { name: override.name, version: override.version ?? DEVEL };
  if (discovered?.name) return { name: discovered.name, version: discovered.version || DEVEL };
  return { name: commandName(command), version: DEVEL };
}

const NODE_OPTIONS_WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--max-old-space-size', '--stack-size', '--input-type']);

/**
 * The script a `node [options] script.js` command runs, when the command is Node itself and no
 * crash record named the entry (a death by signal says nothing). Null otherwise.
 */
export function entryFromNodeCommand(command: string, args: readonly string[]): string | null {
  if (!/^node(js)?(\.exe)?$/.test(basename(command))) return null;
  return firstScript(args, NODE_OPTIONS_WITH_VALUE, ['-e', '--eval', '-p', '--print', '-']);
}

const PYTHON_OPTIONS_WITH_VALUE = new Set(['-W', '-X', '--check-hash-based-pycs']);

/** The script of a `python3 [options] script.py` command; null for `-c`, `-m` and stdin. */
export function entryFromPythonCommand(command: string, args: readonly string[]): string | null {
  if (!/^python(\d+(\.\d+)?)?(\.exe)?$/.test(basename(command))) return null;
  return firstScript(args, PYTHON_OPTIONS_WITH_VALUE, ['-c', '-m', '-']);
}

/** The first argument that is not an option (nor an option's value), unless a `stop` word comes first. */
function firstScript(args: readonly string[], withValue: ReadonlySet<string>, stop: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (stop.includes(arg)) return null;
    if (withValue.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return arg;
  }
  return null;
}
