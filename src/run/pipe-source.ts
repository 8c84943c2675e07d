/**
 * The parent's end of a pipe to the child (the crash channel on fd 3, and the child's stderr
 * with --capture-stderr), as the readers need it: chunks as they arrive, backpressure, and a
 * last non-blocking drain when the child exits. Two kinds: libuv's pipe handle read directly
 * (launch-libuv.ts), and a node:child_process stdio socket (socketSource, below).
 */
import type { Readable } from 'node:stream';

export interface PipeSource {
  /** Starts reading: `onChunk` gets every chunk as it arrives. Errors end the reading silently. */
  start(onChunk: (chunk: Buffer) => void): void;
  /** Stops delivering chunks until resume(): the kernel holds them, and the writer waits. */
  pause(): void;
  resume(): void;
  /** Delivers at once what was read but not delivered yet (a stream's buffer; a handle has none). */
  flushBuffered(): void;
  /** The end's descriptor (non-blocking) for a last drain; null when unknown, closed or ended. */
  fd(): number | null;
  /** True once every writer has closed its end: everything was delivered. */
  ended(): boolean;
  /** Calls `listener` once, when the end is reached or the source is closed. */
  onEnd(listener: () => void): void;
  /** Stops reading and closes the end. */
  close(): void;
}

/** A pipe read through a node:child_process stdio socket. */
export function socketSource(socket: Readable): PipeSource {
  return {
    start(onChunk) {
      socket.on('data', onChunk);
      // A child that closes its end early, or a reset socket, is not our trouble.
      socket.on('error', () => {});
    },
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    flushBuffered() {
      try {
        // In flowing mode each read() emits its chunk as 'data', to the listener above.
        while (socket.read() !== null);
      } catch {
        // A destroyed stream has nothing more to give.
      }
    },
    fd() {
      const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
      return typeof fd === 'number' && fd >= 0 && !socket.readableEnded ? fd : null;
    },
    ended: () => socket.readableEnded,
    onEnd(listener) {
      let called = false;
      const once = (): void => {
        if (called) return;
        called = true;
        listener();
      };
      socket.once('end', once);
      socket.once('close', once);
    },
    close() {
      socket.removeAllListeners('data');
      socket.destroy();
    },
  };
}
