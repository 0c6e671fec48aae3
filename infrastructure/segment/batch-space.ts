import { SlotPool } from '../threads/slot-pool';
import type { Chunk } from './segment-output';

interface Batch {
  readonly start: number;
  /** Segment offset of the batch's first byte. */
  readonly base: number;
  fill: number;
}

interface RoomWaiter {
  readonly bytes: number;
  readonly resolve: () => void;
  granted: boolean;
}

export interface BatchSpaceOptions {
  readonly memory: Buffer;
  /** Offsets of the batch buffers in `memory`. */
  readonly slots: readonly number[];
  readonly batchBytes: number;
  /** Where a full (or sealed) batch goes to be hashed and written. */
  readonly submit: (chunk: Chunk) => void;
  readonly failed: () => boolean;
}

/**
 * The tail of the segment: headers and small files are copied into batch buffers in the
 * order they are placed, and a full batch goes out as one chunk (one write, one message
 * to the hash thread), so a small file costs no round trip of its own. Entries wait for
 * room in one fair line: a large entry is not overtaken forever by small ones.
 */
export class BatchSpace {
  private readonly batches: SlotPool;
  /** The batch being filled (segment bytes from `tail - fill` to `tail`). */
  private batch: Batch | undefined;
  /** Reserved end of the segment: where the next entry starts. */
  private tail = 0;
  private readonly roomWaiters: RoomWaiter[] = [];

  constructor(private readonly o: BatchSpaceOptions) {
    this.batches = new SlotPool(o.slots, () => this.grantRoom(), 'segment writer batch buffers');
  }

  /** Bytes of the segment so far: where the next entry will start. */
  get position(): number {
    return this.tail;
  }

  /** Appends `parts` and `zeros` zero bytes at the tail, in one piece; returns where they start (undefined once failed). */
  async place(parts: readonly Buffer[], zeros: number): Promise<number | undefined> {
    let bytes = zeros;
    for (const part of parts) bytes += part.length;
    const ready = this.room(bytes);
    if (ready !== true && !(await ready)) return undefined;
    const at = this.tail;
    for (const part of parts) this.append(part, part.length);
    if (zeros > 0) this.append(undefined, zeros);
    this.placed();
    return at;
  }

  /** Appends a large file's header, then reserves `skip` bytes for its data (sent as chunks). */
  async placeThenSkip(header: Buffer, skip: number): Promise<number | undefined> {
    const ready = this.room(header.length);
    if (ready !== true && !(await ready)) return undefined;
    const at = this.tail;
    this.append(header, header.length);
    this.sealBatch();
    this.tail += skip;
    this.placed();
    return at;
  }

  /** Sends the batch being filled, however full. */
  sealBatch(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    if (batch.fill === 0) this.batches.release(batch.start);
    else this.o.submit({ start: batch.start, length: batch.fill, offset: batch.base, pool: this.batches, pending: 2 });
  }

  /** The writer failed: every entry waiting for room goes on (and sees the failure). */
  halt(): void {
    this.batches.fail();
    for (const waiter of this.roomWaiters.splice(0)) waiter.resolve();
  }

  private hasRoom(bytes: number): boolean {
    const left = this.batch === undefined ? 0 : this.o.batchBytes - this.batch.fill;
    return left + this.batches.available * this.o.batchBytes >= bytes;
  }

  /** True when there is room now (synchronously), else waits in line; false once failed. */
  private room(bytes: number): true | Promise<boolean> {
    if (this.o.failed()) return Promise.resolve(false);
    if (this.roomWaiters.length === 0 && this.hasRoom(bytes)) return true;
    return new Promise<void>((resolve) => {
      this.roomWaiters.push({ bytes, resolve, granted: false });
      this.grantRoom();
    }).then(() => !this.o.failed());
  }

  private grantRoom(): void {
    const head = this.roomWaiters[0];
    if (head !== undefined && !head.granted && this.hasRoom(head.bytes)) {
      head.granted = true;
      head.resolve();
    }
  }

  /** After a placement: the granted waiter (if it was one) leaves the line; the next may go. */
  private placed(): void {
    if (this.roomWaiters[0]?.granted === true) this.roomWaiters.shift();
    this.grantRoom();
  }

  /** Copies `source` (or zeros) into batches at the tail; room was checked. */
  private append(source: Buffer | undefined, length: number): void {
    let done = 0;
    const size = this.o.batchBytes;
    while (done < length) {
      if (this.batch === undefined) this.batch = { start: this.batches.take(), base: this.tail, fill: 0 };
      const batch = this.batch;
      const n = Math.min(length - done, size - batch.fill);
      const at = batch.start + batch.fill;
      if (source === undefined) this.o.memory.fill(0, at, at + n);
      else source.copy(this.o.memory, at, done, done + n);
      batch.fill += n;
      this.tail += n;
      done += n;
      if (batch.fill === size) this.sealBatch();
    }
  }
}
