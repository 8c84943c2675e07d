/**
 * StoreError: the one error the store throws, for I/O failures it cannot work around (a store
 * directory that cannot be read or created, a full disk). Damaged data is never an error: readers
 * report it and go on. The message is one line meant for the user; callers print it without a stack.
 */

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    message: string,
    /** The errno code behind it (`EACCES`), when there is one. */
    readonly code?: string,
    /** The path the operation failed on. */
    readonly path?: string,
  ) {
    super(message);
  }
}

/** The errno code of a thrown value, if it has one. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A short human reason for a thrown I/O error: `permission denied`. */
export function reason(e: unknown): string {
  const code = errnoCode(e);
  if (code && REASONS[code]) return REASONS[code]!;
  const msg = e instanceof Error ? e.message : String(e);
  return (msg.split('\n')[0] ?? '').trim() || 'unknown error';
}

/** StoreError for a failed operation: `cannot read directory /x/counters: permission denied`. */
export function ioError(what: string, path: string, e: unknown): StoreError {
  return new StoreError(`cannot ${what} ${path}: ${reason(e)}`, errnoCode(e), path);
}
