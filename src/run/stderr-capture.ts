/**
 * The stderr capture mode, for programs that cannot write to the crash channel: the child's
 * stderr becomes a pipe that the watchdog passes through unchanged and in real time, keeping a
 * bounded tail to parse if the child ends abnormally.
 *
 * Invariants:
 * - Every byte is passed through, in order, with backpressure (the child is slowed down to the
 *   speed of the real stderr, never buffered without bound).
 * - If the real stderr goes away (EPIPE), the child's pipe is closed too, so the child sees what
 *   it would have seen writing there itself.
 * - At most TAIL_BYTES are kept: the last ones, where a crash report ends up.
 */
import type { Readable } from 'node:stream';

export const TAIL_BYTES = 256 * 1024;

export class StderrTail {
  private chunks: Buffer[] = [];
  private kept = 0;

  constructor(source: Readable, sink: NodeJS.WritableStream = process.stderr) {
    source.on('data', (chunk: Buffer) => {
      this.keep(chunk);
      if (!sink.write(chunk)) {
        source.pause();
        sink.once('drain', () => source.resume());
      }
    });
    source.on('error', () => {});
    sink.on('error', () => source.destroy());
  }

  private keep(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.kept - this.chunks[0]!.length >= TAIL_BYTES) this.kept -= this.chunks.shift()!.length;
  }

  /** The last TAIL_BYTES bytes written. */
  tail(): Buffer {
    const all = Buffer.concat(this.chunks, this.kept);
    return all.length > TAIL_BYTES ? all.subarray(all.length - TAIL_BYTES) : all;
  }
}
