/**
 * The crash channel, watchdog side: an extra socket on the child's fd 3, read with a bound.
 * The bytes come from a PipeSource (pipe-source.ts): libuv's pipe handle itself, or a
 * node:child_process socket.
 *
 * Invariants:
 * - The channel is always drained, even past the bound, so a child writing its crash output
 *   never blocks on a full socket; only the first MAX_CHANNEL_BYTES are kept.
 * - Waiting for it never outlives the child: when the child exits, what it wrote is already in
 *   the socket buffer, so one non-blocking drain collects it even while a grandchild that
 *   inherited fd 3 keeps the socket open.
 */
import { readSync } from 'node:fs';
import type { PipeSource } from './pipe-source.js';

export const CHANNEL_FD = 3;
export const MAX_CHANNEL_BYTES = 1024 * 1024;

export interface ChannelOutput {
  /** The first MAX_CHANNEL_BYTES bytes written on the channel. */
  bytes: Buffer;
  /** How many bytes were written in all (more than bytes.length when truncated). */
  totalBytes: number;
}

export class ChannelReader {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;

  constructor(private readonly source: PipeSource) {
    source.start((chunk) => this.take(chunk));
  }

  private take(chunk: Buffer): void {
    this.total += chunk.length;
    const room = MAX_CHANNEL_BYTES - this.kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** Collects what is buffered now (non-blocking), stops reading and returns everything kept. */
  finish(): ChannelOutput {
    const fd = this.source.fd();
    if (fd !== null) {
      const scratch = Buffer.allocUnsafe(64 * 1024);
      // The parent's end is non-blocking: EAGAIN means drained, 0 means every writer closed it.
      // A grandchild that keeps flooding the channel must not keep us here: bound the drain.
      for (let drained = 0; drained < 4 * MAX_CHANNEL_BYTES; ) {
        let n: number;
        try {
          n = readSync(fd, scratch, 0, scratch.length, null);
        } catch {
          break;
        }
        if (n <= 0) break;
        drained += n;
        this.take(Buffer.from(scratch.subarray(0, n)));
      }
    }
    this.source.close();
    return { bytes: Buffer.concat(this.chunks, this.kept), totalBytes: this.total };
  }
}
