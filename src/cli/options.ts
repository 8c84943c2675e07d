/**
 * Option parsing for the inspection commands: long flags, `--flag value` or `--flag=value`,
 * positional words, `--help`. Unknown flags are errors with one clear line.
 */
export class UsageError extends Error {}

export interface OptionSpec {
  /** Flags that take a value. */
  values?: readonly string[];
  /** Flags that are on/off. */
  flags?: readonly string[];
  /** How many positional words are allowed. */
  maxPositionals?: number;
}

export interface ParsedOptions {
  values: Map<string, string>;
  flags: Set<string>;
  positionals: string[];
}

export function parseOptions(command: string, argv: readonly string[], spec: OptionSpec): ParsedOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      flags.add('help');
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (name === 'help' || spec.flags?.includes(name)) {
      if (eq !== -1) throw new UsageError(`${command}: --${name} takes no value`);
      flags.add(name);
    } else if (spec.values?.includes(name)) {
      const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
      values.set(name, value);
    } else {
      throw new UsageError(`${command}: unknown option --${name} (see watchdog ${command} --help)`);
    }
  }
  if (positionals.length > (spec.maxPositionals ?? 0)) {
    throw new UsageError(`${command}: unexpected argument ${JSON.stringify(positionals[spec.maxPositionals ?? 0])}`);
  }
  return { values, flags, positionals };
}

/**
 * `--since`: a date (`2026-11-01`) or an age (`30d`, `4w`). Returns the earliest instant to keep.
 */
export function parseSince(value: string, now = new Date()): Date {
  const age = /^(\d+)([dw])$/.exec(value);
  if (age) {
    const days = Number(age[1]) * (age[2] === 'w' ? 7 : 1);
    return new Date(now.getTime() - days * 86_400_000);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const date = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(`--since takes a date (2026-11-01) or an age (30d, 4w), not ${JSON.stringify(value)}`);
}
