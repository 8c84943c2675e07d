/**
 * Printing for people: colour only on a terminal and never with NO_COLOR set, and nothing from
 * the store printed raw — a stored name could hold escape sequences that repaint the terminal.
 *
 * Standard output is written with writeSync(1) rather than through process.stdout: creating
 * process.stdout loads Node's stream modules (about 2 ms of a listing that should take a few),
 * and a synchronous write is complete when it returns, even on a pipe.
 */
import { fstatSync, writeSync } from 'node:fs';

/** Whether fd 1 is a terminal: one fstat, and node:tty (which loads streams) only for a character device. */
export function stdoutIsTerminal(): boolean {
  try {
    if (!fstatSync(1).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (require('node:tty') as typeof import('node:tty')).isatty(1);
}

export function useColour(stream?: NodeJS.WriteStream): boolean {
  const tty = stream === undefined ? stdoutIsTerminal() : stream.isTTY === true;
  return tty && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';
}

/**
 * Writes `text` to standard output synchronously. A reader that went away (EPIPE: `| head`) ends
 * the output quietly; a non-blocking descriptor that is full (EAGAIN) gets the rest through
 * process.stdout, which Node flushes before the process exits.
 */
export function writeStdout(text: string): void {
  const b = Buffer.from(text, 'utf8');
  let n = 0;
  try {
    while (n < b.length) n += writeSync(1, b, n, b.length - n);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'EPIPE') return;
    if (code !== 'EAGAIN') throw e;
    process.stdout.write(b.subarray(n));
  }
}

/** Replaces control characters (escape sequences included) with `?`, keeping newlines when asked. */
export function neutralise(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g : /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  cyan(text: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { bold: wrap(1, 22), dim: wrap(2, 22), cyan: wrap(36, 39) };
}
