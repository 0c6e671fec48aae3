/**
 * Mutual exclusion for async work, first come first served. lock() is synchronous when
 * the mutex is free (no promise, no turn of the event loop), so an uncontended caller
 * pays nothing.
 */
export class Mutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  /** Undefined when taken at once; else a promise that resolves when it is this caller's turn. */
  lock(): Promise<void> | undefined {
    if (!this.locked) {
      this.locked = true;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the mutex to the next waiter, or frees it. */
  unlock(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.locked = false;
  }
}
