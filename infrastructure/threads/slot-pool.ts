/**
 * A fixed set of numbered slots (offsets into shared memory): a semaphore that hands out
 * which slot, not just how many. acquire() waits, first come first served, when all are
 * taken; once the pool failed every waiter, and every later caller, gets undefined.
 */
export class SlotPool {
  private readonly free: number[];
  private readonly waiters: Array<(slot: number | undefined) => void> = [];
  private failed = false;

  constructor(
    slots: readonly number[],
    /** Called after every release (the owner may now grant room it could not before). */
    private readonly onRelease: () => void = () => undefined,
    private readonly name = 'slot pool',
  ) {
    this.free = [...slots].reverse();
  }

  get available(): number {
    return this.free.length;
  }

  /** A free slot, or undefined once the pool failed. Synchronous when one is free. */
  acquire(): number | undefined | Promise<number | undefined> {
    if (this.failed) return undefined;
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** For callers that checked `available`. */
  take(): number {
    const slot = this.free.pop();
    if (slot === undefined) throw new Error(`${this.name}: no free slot (availability was not checked)`);
    return slot;
  }

  release(slot: number): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(this.failed ? undefined : slot);
    else this.free.push(slot);
    this.onRelease();
  }

  fail(): void {
    this.failed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
