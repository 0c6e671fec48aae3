/**
 * Tasks started and not yet settled, so that a producer can keep up to N going (wait
 * for any() when full) and wait for all() before a boundary (closing a segment). A task
 * leaves the set when it settles; its own failure is its caller's to handle.
 */
export class InFlight {
  private readonly tasks = new Set<Promise<void>>();

  get size(): number {
    return this.tasks.size;
  }

  add(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  /** Resolves when every task started so far has settled. */
  async all(): Promise<void> {
    await Promise.all(this.tasks);
  }

  /** Resolves when one of the tasks settles (at once when there is none). */
  async any(): Promise<void> {
    if (this.tasks.size > 0) await Promise.race(this.tasks);
  }
}
