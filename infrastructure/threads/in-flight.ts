interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Tasks started and not yet settled, so that a producer can keep up to N going (wait
 * for any() when full) and wait for all() before a boundary (closing a segment). A task
 * leaves the set when it settles; its own failure is its caller's to handle.
 *
 * any() is told by the next task to settle, not by a Promise.race over the set: a race
 * attaches a reaction to every task still in flight each time it is called (64 per small
 * file in a backup, run and collected when each task ends), which cost more CPU than the
 * rest of the loop.
 */
export class InFlight {
  private readonly tasks = new Set<Promise<void>>();
  private waiters: Waiter[] = [];
  /** A task that failed with nobody waiting: the next any() or all() rejects with it, so no failure goes unseen. */
  private failure: { readonly error: unknown } | undefined;

  get size(): number {
    return this.tasks.size;
  }

  add(task: Promise<void>): void {
    this.tasks.add(task);
    task.then(
      () => this.settled(task),
      (error: unknown) => this.settled(task, error),
    );
  }

  /** Resolves when every task started so far has settled; rejects with a task's failure. */
  async all(): Promise<void> {
    await Promise.all(this.tasks);
    this.rethrow();
  }

  /** Resolves when one of the tasks settles, rejects when it failed (at once when there is none). */
  any(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    if (this.tasks.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  private settled(task: Promise<void>, ...failure: [] | [unknown]): void {
    this.tasks.delete(task);
    if (failure.length > 0) this.failure ??= { error: failure[0] };
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (failure.length === 0) waiter.resolve();
      else waiter.reject(failure[0]);
    }
  }
}
