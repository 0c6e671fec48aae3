/**
 * Waiting for a state instead of polling it: until(holds) resolves once `holds()` is
 * true, checked at once and again at each notify(). The owner of the state calls
 * notify() after every change that can make a waiter's condition true.
 */
export class Condition {
  private readonly waiters: Array<{ readonly holds: () => boolean; readonly resolve: () => void }> = [];

  until(holds: () => boolean): Promise<void> {
    if (holds()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ holds, resolve }));
  }

  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  notify(): void {
    if (this.waiters.length === 0) return;
    for (let i = 0; i < this.waiters.length; ) {
      const waiter = this.waiters[i];
      if (waiter !== undefined && waiter.holds()) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      } else i++;
    }
  }

  /** Lets every waiter go, whatever the state (the owner failed or ended). */
  releaseAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }
}
