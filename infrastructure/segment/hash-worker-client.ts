import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { endWorker } from './worker-threads';

const WORKER_FILE = path.join(__dirname, 'segment-hash-worker.js');

const ackOf = (m: unknown): number | undefined => (typeof m === 'object' && m !== null && 'a' in m && typeof m.a === 'number' ? m.a : undefined);
const digestOf = (m: unknown): string | undefined =>
  typeof m === 'object' && m !== null && 'digest' in m && typeof m.digest === 'string' ? m.digest : undefined;

/**
 * SHA-256 of a byte stream computed on a worker thread, fed ranges of a shared memory
 * block in stream order. Each range is acknowledged when hashed (`onHashed`), so the
 * caller can reuse that memory. The worker keeps the process alive only while it has
 * work; terminate() ends it.
 */
export class HashWorker {
  private readonly worker: Worker;
  private outstanding = 0;
  private digestWaiter: ((digest: string | undefined) => void) | undefined;
  private terminated = false;

  constructor(
    memory: SharedArrayBuffer,
    private readonly onHashed: (start: number) => void,
    private readonly onFailure: (error: unknown) => void,
  ) {
    this.worker = new Worker(WORKER_FILE, { workerData: { memory } });
    this.worker.unref();
    this.worker.on('message', (message: unknown) => this.received(message));
    this.worker.on('error', (error: unknown) => this.failed(error));
    this.worker.on('exit', (code: number) => {
      if (!this.terminated) this.failed(new Error(`the segment hash worker exited (code ${code})`));
    });
  }

  /** Hashes memory[start, start + length) after everything sent before. */
  update(start: number, length: number): void {
    this.busy(+1);
    this.worker.postMessage({ u: [start, length] });
  }

  /**
   * The hex digest of everything sent (once; resolves after every range before it is
   * hashed), or undefined when the worker failed (onFailure was called).
   */
  digest(): Promise<string | undefined> {
    return new Promise((resolve) => {
      if (this.terminated) return resolve(undefined);
      this.busy(+1);
      this.digestWaiter = resolve;
      this.worker.postMessage({ d: true });
    });
  }

  async terminate(): Promise<void> {
    this.terminated = true;
    await endWorker(this.worker);
  }

  private received(message: unknown): void {
    const start = ackOf(message);
    const digest = digestOf(message);
    this.busy(-1);
    if (typeof start === 'number') this.onHashed(start);
    else if (typeof digest === 'string' && this.digestWaiter !== undefined) {
      const waiter = this.digestWaiter;
      this.digestWaiter = undefined;
      waiter(digest);
    }
  }

  private busy(delta: number): void {
    const before = this.outstanding;
    this.outstanding += delta;
    // Once ending, endWorker holds the reference until the thread has exited.
    if (this.terminated) return;
    if (before === 0 && this.outstanding > 0) this.worker.ref();
    else if (before > 0 && this.outstanding === 0) this.worker.unref();
  }

  private failed(error: unknown): void {
    if (this.terminated) return;
    this.terminated = true;
    this.worker.unref();
    this.onFailure(error);
    const waiter = this.digestWaiter;
    this.digestWaiter = undefined;
    waiter?.(undefined);
  }
}
