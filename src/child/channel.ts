/**
 * Which descriptor, if any, is the watchdog's crash channel in this process.
 *
 * The watchdog starts its child with the channel on a descriptor (3) named by WATCHDOG_CRASH_FD.
 * Descendants inherit that variable, but not necessarily the descriptor: a grandchild's fd 3 may
 * be any file of its own (Node itself passes only fds 0-2 to the processes it spawns, and libuv
 * opens its own descriptors from 3 up), and a type check alone cannot tell a socket from another.
 *
 * The identity rule (docs/channel.md):
 * - The first process that sees WATCHDOG_CRASH_FD without WATCHDOG_CRASH_ID accepts the descriptor
 *   only if it is a socket (never a FIFO, regular file, tty, directory, ...), and pins it for
 *   its descendants: WATCHDOG_CRASH_ID=`<dev>:<ino>` of that descriptor. If it refuses the
 *   descriptor (wrong type, or closed), it pins `none`: none of its descendants can hold the
 *   channel either, so none of them may adopt some other socket that happens to be on fd 3.
 * - A process that finds WATCHDOG_CRASH_ID uses the descriptor only if fstat gives that same
 *   dev:ino, i.e. it inherited the very channel.
 * - Descriptors 0-2 are never the channel. Anything malformed leaves the process inert.
 */
export const FD_VAR = 'WATCHDOG_CRASH_FD';
export const ID_VAR = 'WATCHDOG_CRASH_ID';
export const NO_CHANNEL = 'none';

/** The channel descriptor, or null; may set env[ID_VAR] (see the identity rule above). */
export function openChannel(env: NodeJS.ProcessEnv): number | null {
  const raw = env[FD_VAR];
  if (raw === undefined || !/^[0-9]{1,9}$/.test(raw)) return null;
  const fd = Number(raw);
  if (fd < 3) return null;
  const pinned = env[ID_VAR];
  let id: string | null = null;
  let usable = false;
  try {
    // Required here, not imported: a preload without WATCHDOG_CRASH_FD loads no module at all.
    // (This module is the preload's alone, a CommonJS bundle.)
    const st = (require('node:fs') as typeof import('node:fs')).fstatSync(fd);
    id = `${st.dev}:${st.ino}`;
    // The watchdog's channel is a socket (Node's 'pipe' stdio is a socketpair): a FIFO on fd 3 is
    // the program's own pipe (`node x 3>&1 | cat` under a shell child), never the channel.
    usable = st.isSocket();
  } catch {
    // Closed or unusable.
  }
  if (pinned !== undefined && pinned !== '') return id !== null && pinned === id ? fd : null;
  if (!usable || id === null) {
    env[ID_VAR] = NO_CHANNEL;
    return null;
  }
  env[ID_VAR] = id;
  return fd;
}
