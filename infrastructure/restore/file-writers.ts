import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { endWorker } from '../segment/worker-threads';

export type WriteJob = readonly [id: number, path: string, mode: number, mtimeSeconds: number, start: number, length: number, sha256: string, overwrite: boolean];
export type WriteDone = readonly [id: number, outcome: 'ok' | 'skipped' | 'corrupted' | 'failed', reason: string];

const isDone = (d: unknown): d is WriteDone => Array.isArray(d) && d.length === 3 && typeof d[0] === 'number' && typeof d[1] === 'string';

/** A small pool of file-writing threads (file-writer-worker.ts); one batch per thread at a time. */
export class FileWriters {
  private readonly workers: Worker[];

  /** `contentKey`: file hashes are HMACs under it (encrypted tapes). */
  constructor(count: number, contentKey?: Buffer) {
    this.workers = Array.from({ length: count }, () => new Worker(path.join(__dirname, 'file-writer-worker.js'), { workerData: { contentKey } }));
  }

  /** Writes the jobs over the threads (split evenly); resolves with every outcome. */
  async write(data: SharedArrayBuffer, jobs: readonly WriteJob[]): Promise<WriteDone[]> {
    const share = Math.ceil(jobs.length / this.workers.length);
    const parts = this.workers
      .map((worker, i) => ({ worker, part: jobs.slice(i * share, (i + 1) * share) }))
      .filter(({ part }) => part.length > 0);
    const results = await Promise.all(parts.map(({ worker, part }) => this.run(worker, data, part)));
    return results.flat();
  }

  close(): Promise<void> {
    return Promise.all(this.workers.map(endWorker)).then(() => undefined);
  }

  private run(worker: Worker, data: SharedArrayBuffer, jobs: readonly WriteJob[]): Promise<WriteDone[]> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        worker.off('error', onError);
        const done = typeof m === 'object' && m !== null && 'done' in m && Array.isArray(m.done) ? m.done.filter(isDone) : [];
        resolve(done);
      };
      const onError = (error: Error) => {
        worker.off('message', onMessage);
        reject(error);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage({ data, jobs });
    });
  }
}
