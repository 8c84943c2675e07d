/**
 * The program a Python crash belongs to: the project around the script Python was asked to run.
 *
 * From the script's directory the search goes up (at most MAX_LEVELS) to the first directory
 * holding pyproject.toml, setup.py or setup.cfg; that directory is the root, so the script's
 * package paths (`inventory/parser.py`) stay relative to it. Without one, the script's own
 * directory is the root. Name and version come from pyproject.toml's [project] table when it has
 * plain `name = "..."` / `version = "..."` lines; anything else leaves them null (the command's
 * name @devel is used then). Files are read with a bound; nothing here throws.
 */
import { closeSync, existsSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Program } from './program.js';

const MARKERS = ['pyproject.toml', 'setup.py', 'setup.cfg'];
const MAX_LEVELS = 64;
const MAX_PYPROJECT = 256 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+!-]{0,63}$/;

export function findPythonProgram(script: string): Program | null {
  let dir: string;
  try {
    dir = dirname(realpathSync(script));
  } catch {
    return null;
  }
  for (let level = 0, at = dir; level < MAX_LEVELS; level++) {
    if (MARKERS.some((marker) => existsSync(join(at, marker)))) return { root: at, ...projectTable(join(at, 'pyproject.toml')) };
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  return { root: dir, name: null, version: null };
}

function projectTable(file: string): { name: string | null; version: string | null } {
  const none = { name: null, version: null };
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(MAX_PYPROJECT);
      text = buffer.toString('utf8', 0, readSync(fd, buffer, 0, MAX_PYPROJECT, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return none;
  }
  const table = /^\[project\][ \t]*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? '';
  const value = (key: string, shape: RegExp): string | null => {
    const found = new RegExp(`^${key}\\s*=\\s*["']([^"'\\n]*)["']\\s*$`, 'm').exec(table)?.[1];
    return found !== undefined && shape.test(found) ? found : null;
  };
  return { name: value('name', NAME), version: value('version', VERSION) };
}
