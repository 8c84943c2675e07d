/**
 * The stderr capture mode, for programs that cannot write to the crash channel: the child's
 * stderr becomes a pipe that the watchdog passes through unchanged and in real time, keeping a
 * bounded tail to parse if the child ends abnormally.
 *
 * Invariants:
 * - Every byte is passed through, in order, with backpressure (the child is slowed down to the
 *   speed of the real stderr, never buffered without bound).
 * - Every byte the child wrote reaches fd 2 before the watchdog leaves, however slowly fd 2 is
 *   read: when the child exits, flushAvailable() passes on at once what the pipe holds (the
 *   child's last writes, where its crash report is) and waits until it is written. Only what
 *   descendants still holding the pipe write later is waited for with a time limit.
 * - If the real stderr goes away (EPIPE), the child's pipe is closed too, so the child sees what
 *   it would have seen writing there itself.
 * - At most TAIL_BYTES are kept: the last ones, where a crash report ends up.
 *
 * Speed: each chunk goes straight to fd 2 with one write(2) call; the stream machinery of
 * process.stderr is used only when fd 2 is non-blocking and full (EAGAIN), where it provides the
 * waiting. Measured in BENCHMARKS.md (row 7).
 */
import { readSync, writeSync } from 'node:fs';
import type { PipeSource } from './pipe-source.js';

export const TAIL_BYTES = 256 * 1024;
const STDERR_FD = 2;

export class StderrTail {
  private chunks: Buffer[] = [];
  private kept = 0;
  private broken = false;
  /** process.stderr, once fd 2 was full (EAGAIN) once: touched only then, it sets up a stream. */
  private stream: NodeJS.WriteStream | null = null;

  constructor(private readonly source: PipeSource) {
    source.start((chunk) => this.take(chunk));
  }

  private take(chunk: Buffer): void {
    this.keep(chunk);
    if (!this.broken) this.pass(chunk);
  }

  /** Writes `chunk` to fd 2, all of it, falling back to the stream (and pausing) when fd 2 is full. */
  private pass(chunk: Buffer): void {
    let offset = 0;
    // While the stream still holds bytes from an earlier EAGAIN, go through it to keep the order.
    if (this.stream !== null && this.stream.writableLength > 0) return this.queue(chunk);
    try {
      while (offset < chunk.length) offset += writeSync(STDERR_FD, chunk, offset);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN') {
        // The real stderr is gone: close the child's end too, as writing there itself would.
        this.broken = true;
        this.source.close();
        return;
      }
    }
    this.queue(chunk.subarray(offset));
  }

  private queue(bytes: Buffer): void {
    const stream = (this.stream ??= process.stderr);
    if (!stream.write(bytes)) {
      this.source.pause();
      stream.once('drain', () => this.source.resume());
    }
  }

  private keep(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.kept - this.chunks[0]!.length >= TAIL_BYTES) this.kept -= this.chunks.shift()!.length;
  }

  /**
   * Passes on everything the pipe holds now: what was read but not delivered yet, then what the
   * kernel's buffer holds, read without blocking until it is empty. Calls `done` once all of it
   * has been written to fd 2, with `ended` true when the pipe reached its end (no descendant
   * holds it open).
   */
  flushAvailable(done: (ended: boolean) => void): void {
    this.source.flushBuffered();
    let ended = this.source.ended();
    const fd = this.source.fd();
    if (fd !== null) {
      const scratch = Buffer.allocUnsafe(64 * 1024);
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, scratch, 0, scratch.length, null);
        } catch {
          break; // EAGAIN: empty for now, still open
        }
        if (n <= 0) {
          ended = true;
          break;
        }
        this.take(Buffer.from(scratch.subarray(0, n)));
      }
    }
    // Bytes queued behind an EAGAIN on fd 2 are still the child's: wait until they are out.
    const stream = this.stream;
    if (this.broken || stream === null || stream.writableLength === 0) return done(ended);
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      done(ended);
    };
    stream.once('drain', once);
    stream.once('error', once);
    stream.once('close', once);
  }

  /** The last TAIL_BYTES bytes written. */
  tail(): Buffer {
    const all = Buffer.concat(this.chunks, this.kept);
    return all.length > TAIL_BYTES ? all.subarray(all.length - TAIL_BYTES) : all;
  }
}
