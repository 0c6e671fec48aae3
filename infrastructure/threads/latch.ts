/**
 * Counts work in flight and lets a caller wait until there is none (a count-down latch
 * that can go up again).
 */
export class Latch {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  get count(): number {
    return this.active;
  }

  enter(): void {
    this.active++;
  }

  leave(): void {
    this.active--;
    if (this.active === 0) for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Undefined when nothing is in flight; else resolves when the count next reaches zero. */
  idle(): Promise<void> | undefined {
    if (this.active === 0) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
