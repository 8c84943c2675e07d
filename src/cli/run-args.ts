/**
 * Arguments of the run form: `watchdog [options] [--] <command> [args...]`.
 * Options end at `--` or at the first word that is not an option; everything after belongs to
 * the child untouched.
 */
export interface RunArgs {
  command: string;
  args: string[];
  program: { name: string; version: string | null } | null;
  captureStderr: boolean;
}

export type ParsedRunArgs = { kind: 'run'; run: RunArgs } | { kind: 'help' } | { kind: 'version' } | { kind: 'error'; message: string };

/** `name@version`, where a scoped `@scope/name` keeps its leading @. */
export function parseProgramSpec(spec: string): { name: string; version: string | null } | null {
  const at = spec.lastIndexOf('@');
  const [name, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, null];
  if (name.length === 0 || version === '') return null;
  return { name, version };
}

export function parseRunArgs(argv: readonly string[]): ParsedRunArgs {
  let program: RunArgs['program'] = null;
  let captureStderr = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-V' || arg === '--version') return { kind: 'version' };
    if (arg === '--capture-stderr') {
      captureStderr = true;
      continue;
    }
    if (arg === '--program' || arg.startsWith('--program=')) {
      const value = arg === '--program' ? argv[++i] : arg.slice('--program='.length);
      const parsed = value === undefined ? null : parseProgramSpec(value);
      if (parsed === null) return { kind: 'error', message: '--program takes NAME or NAME@VERSION' };
      program = parsed;
      continue;
    }
    return { kind: 'error', message: `unknown option ${JSON.stringify(arg)} (see watchdog --help)` };
  }
  const command = argv[i];
  if (command === undefined) return { kind: 'error', message: 'no command to run (usage: watchdog [options] -- <command> [args...])' };
  return { kind: 'run', run: { command, args: argv.slice(i + 1), program, captureStderr } };
}
