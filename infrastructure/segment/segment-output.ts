import * as fs from 'node:fs';
import { closeQuietly } from '../journal/durable-file';
import { Condition } from '../threads/condition';
import type { SlotPool } from '../threads/slot-pool';
import { segmentWriteFailed, type SegmentError } from './segment-errors';

/** A range of shared memory holding bytes of the segment, ready to be hashed and written. */
export interface Chunk {
  readonly start: number;
  readonly length: number;
  /** Where these bytes go in the segment. */
  readonly offset: number;
  readonly pool: SlotPool;
  /** Hash and write: released when both are done. */
  pending: number;
}

export interface OutputCounters {
  /** Time with a segment write in flight (one at a time). */
  writeMs: number;
  /** Segment writes (system calls). */
  writes: number;
}

export interface OutputOptions {
  readonly path: string;
  readonly memory: Buffer;
  readonly fd: number;
  /** Opened with O_DIRECT: writes bypass the page cache until the file system refuses one. */
  readonly direct: boolean;
  /** Encrypted: the hash thread seals and writes; this output only hashes in order. */
  readonly sealed: boolean;
  readonly maxWriteBytes: number;
  readonly flushEveryBytes: number;
  /** Hands a range to the segment hash thread (answers come back through hashed()). */
  readonly hash: (start: number, length: number) => void;
  /** The writer failed (or now fails with this error): the output stops. */
  readonly fail: (error: SegmentError) => void;
  readonly failed: () => boolean;
}

/** `views` without their first `skip` bytes. */
const remainder = (views: readonly Buffer[], skip: number): Buffer[] => {
  if (skip === 0) return [...views];
  const out: Buffer[] = [];
  let left = skip;
  for (const view of views) {
    if (left >= view.length) left -= view.length;
    else {
      out.push(left > 0 ? view.subarray(left) : view);
      left = 0;
    }
  }
  return out;
};

/**
 * The segment file's side of the writer: chunks submitted in any order are hashed and
 * written strictly in segment order, one write at a time (tape wants sequential
 * writes), coalesced up to maxWriteBytes; a chunk's memory goes back to its pool when
 * both are done. Without direct I/O, written bytes are flushed in the background every
 * flushEveryBytes.
 */
export class SegmentOutput {
  /** Chunks submitted out of order, by segment offset. */
  private readonly waiting = new Map<number, Chunk>();
  /** Everything before this offset was handed to the hasher and the write queue. */
  private orderedOffset = 0;
  private readonly writeQueue: Chunk[] = [];
  private readonly hashQueue: Chunk[] = [];
  private writing = false;
  private written = 0;
  private flushing = false;
  private flushedAt = 0;
  private fd: number;
  private direct: boolean;
  /** Descriptors replaced by a buffered one (closed with the file). */
  private readonly retiredFds: number[] = [];
  private fileClosed = false;
  /** Waiters for "every submitted chunk is written and hashed". */
  private readonly drain = new Condition();
  /** Waiters for "no write or flush in flight". */
  private readonly quiet = new Condition();
  readonly counters: OutputCounters = { writeMs: 0, writes: 0 };

  constructor(private readonly o: OutputOptions) {
    this.fd = o.fd;
    this.direct = o.direct;
  }

  /** Bytes handed to the file system so far. */
  get bytesWritten(): number {
    return this.written;
  }

  get directIo(): boolean {
    return this.direct;
  }

  submit(chunk: Chunk): void {
    if (this.o.failed()) {
      chunk.pool.release(chunk.start);
      return;
    }
    this.waiting.set(chunk.offset, chunk);
    for (let next = this.waiting.get(this.orderedOffset); next !== undefined; next = this.waiting.get(this.orderedOffset)) {
      this.waiting.delete(this.orderedOffset);
      this.orderedOffset += next.length;
      this.hashQueue.push(next);
      this.o.hash(next.start, next.length);
      if (!this.o.sealed) this.writeQueue.push(next);
      else next.pending--;
    }
    this.pumpWrites();
  }

  /** The hash thread's acknowledgement of the range at `start` (they come in order). */
  hashed(start: number): void {
    const chunk = this.hashQueue.shift();
    if (chunk === undefined || chunk.start !== start) {
      this.o.fail(segmentWriteFailed(this.o.path, 'hash', new Error('segment hash worker answered out of order')));
      return;
    }
    this.done(chunk);
  }

  /** Resolves when every submitted chunk is written and hashed (or the writer failed). */
  drained(): Promise<void> {
    return this.drain.until(() => this.o.failed() || (!this.writing && this.writeQueue.length === 0 && this.hashQueue.length === 0 && this.waiting.size === 0));
  }

  /** Resolves when no write or flush is in flight (the descriptor may be closed). */
  writesStopped(): Promise<void> {
    return this.quiet.until(() => !this.writing && !this.flushing);
  }

  /** The writer failed: whoever waits for the drain goes on. */
  halt(): void {
    this.drain.releaseAll();
  }

  truncate(bytes: number): Promise<NodeJS.ErrnoException | null> {
    return new Promise((resolve) => fs.ftruncate(this.fd, bytes, resolve));
  }

  fsync(): Promise<NodeJS.ErrnoException | null> {
    return new Promise((resolve) => fs.fsync(this.fd, resolve));
  }

  /**
   * Closes the file once (call after writesStopped): checked when everything went well
   * (a close error fails the writer), quietly otherwise. True when it was closed here
   * with nothing failed before (the caller then makes its directory entry durable).
   */
  closeFile(): boolean {
    if (this.fileClosed) return false;
    this.fileClosed = true;
    for (const fd of this.retiredFds.splice(0)) closeQuietly(fd);
    if (this.o.failed()) {
      closeQuietly(this.fd);
      return false;
    }
    try {
      fs.closeSync(this.fd);
    } catch (error) {
      this.o.fail(segmentWriteFailed(this.o.path, 'close', error));
    }
    return true;
  }

  private done(chunk: Chunk): void {
    chunk.pending--;
    if (chunk.pending === 0) chunk.pool.release(chunk.start);
    this.drain.notify();
  }

  /**
   * Writes the chunks at the head of the queue, contiguous in the segment, as one
   * positioned writev of up to `maxWriteBytes` (a direct write of several chunks keeps
   * several requests in flight on the device). One write at a time, in order.
   */
  private pumpWrites(): void {
    if (this.writing || this.o.failed()) return;
    const group: Chunk[] = [];
    let bytes = 0;
    for (let next = this.writeQueue[0]; next !== undefined; next = this.writeQueue[0]) {
      if (group.length > 0 && bytes + next.length > this.o.maxWriteBytes) break;
      this.writeQueue.shift();
      group.push(next);
      bytes += next.length;
    }
    const first = group[0];
    if (first === undefined) return;
    this.writing = true;
    const began = performance.now();
    const views = group.map((chunk) => this.o.memory.subarray(chunk.start, chunk.start + chunk.length));
    let done = 0;
    const step = (): void => {
      fs.writev(this.fd, remainder(views, done), first.offset + done, (error, n) => {
        wrote(error, n);
        // After the whole turn (a next write may have started): waiters see the state it left.
        this.quiet.notify();
      });
    };
    const wrote = (error: NodeJS.ErrnoException | null, n: number): void => {
      if (error !== null && this.direct && error.code === 'EINVAL' && this.toBuffered()) return step();
      if (error !== null) {
        this.writing = false;
        this.o.fail(segmentWriteFailed(this.o.path, 'write', error));
        return;
      }
      done += n;
      if (done < bytes && n > 0 && !this.o.failed()) return step();
      this.writing = false;
      if (done < bytes) {
        if (!this.o.failed()) this.o.fail(segmentWriteFailed(this.o.path, 'write', Object.assign(new Error('the segment write made no progress'), { code: 'EIO' })));
        return;
      }
      this.counters.writeMs += performance.now() - began;
      this.counters.writes++;
      this.written += done;
      for (const chunk of group) this.done(chunk);
      this.flushInBackground();
      this.pumpWrites();
    };
    step();
  }

  /** The file system refused a direct write: go on through the page cache (same file, new descriptor). */
  private toBuffered(): boolean {
    try {
      const fd = fs.openSync(this.o.path, fs.constants.O_WRONLY);
      this.retiredFds.push(this.fd);
      this.fd = fd;
      this.direct = false;
      return true;
    } catch {
      return false;
    }
  }

  private flushInBackground(): void {
    if (this.direct || this.flushing || this.o.failed() || this.written - this.flushedAt < this.o.flushEveryBytes) return;
    this.flushing = true;
    this.flushedAt = this.written;
    fs.fdatasync(this.fd, (error) => {
      this.flushing = false;
      if (error !== null) this.o.fail(segmentWriteFailed(this.o.path, 'fsync', error));
      this.quiet.notify();
    });
  }
}
