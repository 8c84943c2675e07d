/**
 * Printing for people: colour only on a terminal and never with NO_COLOR set, and nothing from
 * the store printed raw — a stored name could hold escape sequences that repaint the terminal.
 */
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';
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
