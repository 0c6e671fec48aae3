import type { Worker } from 'node:worker_threads';

const ending = new WeakMap<Worker, Promise<void>>();

/**
 * Ends a worker thread and resolves once it has exited. The worker is referenced first:
 * an unreferenced worker's exit does not keep the event loop alive, and a process whose
 * loop empties while close() awaits that exit would end with close() never returning.
 * Idempotent.
 */
export const endWorker = (worker: Worker): Promise<void> => {
  const known = ending.get(worker);
  if (known !== undefined) return known;
  worker.ref();
  const ended = worker.terminate().then(
    () => undefined,
    () => undefined,
  );
  ending.set(worker, ended);
  return ended;
};
