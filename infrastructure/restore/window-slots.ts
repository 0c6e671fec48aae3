/**
 * The slots of the restore's shared memory (one read window each) and the window writes
 * that hold them, oldest first. A window's files are written by the writer threads
 * straight from its slot; the slot is free again once they are. take() waits for the
 * oldest write when no slot is free, so reading never runs more than the slots ahead
 * of writing.
 */
export class WindowSlots {
  private readonly free: number[];
  /** Windows whose files are being written, oldest first (each frees its slot when done). */
  private readonly writing: Promise<void>[] = [];

  constructor(count: number) {
    this.free = Array.from({ length: count }, (_, i) => i);
  }

  /** A free slot, once the oldest queued window is written if none is. */
  async take(): Promise<number> {
    for (;;) {
      const free = this.free.pop();
      if (free !== undefined) return free;
      const oldest = this.writing.shift();
      if (oldest === undefined) throw new Error('restore: no window slot is free and none is being written');
      await oldest;
    }
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  /** A window's write (it must not reject, and must release its slot when it ends). */
  writes(write: Promise<void>): void {
    this.writing.push(write);
  }

  /** Resolves when every window queued so far is written. */
  async drain(): Promise<void> {
    for (let w = this.writing.shift(); w !== undefined; w = this.writing.shift()) await w;
  }

  /** Waits for every queued write, whatever its end (after a failure elsewhere). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.writing.splice(0));
  }
}
