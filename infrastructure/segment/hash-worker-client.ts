import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { endWorker } from './worker-threads';

const HASH_WORKER = path.join(__dirname, 'segment-hash-worker.js');
const SEAL_WORKER = path.join(__dirname, 'segment-seal-worker.js');

const ackOf = (m: unknown): number | undefined => (typeof m === 'object' && m !== null && 'a' in m && typeof m.a === 'number' ? m.a : undefined);
const numberField = (m: object, name: string): number | undefined => {
  const value: unknown = Reflect.get(m, name);
  return typeof value === 'number' ? value : undefined;
};
const digestOf = (m: unknown): Digest | undefined =>
  typeof m === 'object' && m !== null && 'digest' in m && typeof m.digest === 'string'
    ? { sha256: m.digest, bytes: numberField(m, 'bytes'), plainBytes: numberField(m, 'plainBytes') }
    : undefined;
const writeErrorOf = (m: unknown): { code: string; message: string } | undefined =>
  typeof m === 'object' && m !== null && 'e' in m && typeof m.e === 'object' && m.e !== null && 'code' in m.e && typeof m.e.code === 'string' && 'message' in m.e && typeof m.e.message === 'string'
    ? { code: m.e.code, message: m.e.message }
    : undefined;

/** Encrypt-and-write mode: the worker writes the segment itself (see segment-seal-worker). */
export interface SealSpec {
  readonly fd: number;
  readonly key: Buffer;
  readonly header: Buffer;
  readonly chunkBytes: number;
  readonly flushEveryBytes: number;
  /** `fd` is open with O_DIRECT; the worker stages ciphertext in the shared memory at `stagingStart` (aligned). */
  readonly direct: boolean;
  readonly stagingStart: number;
  readonly stagingBytes: number;
  readonly path: string;
}

export interface Digest {
  /** hex SHA-256 of the stream (plain mode) or of the file written (seal mode). */
  readonly sha256: string;
  /** Seal mode: bytes written to the file, and plaintext bytes taken. */
  readonly bytes?: number;
  readonly plainBytes?: number;
}

/**
 * SHA-256 of a byte stream computed on a worker thread, fed ranges of a shared memory
 * block in stream order. Each range is acknowledged when hashed (`onHashed`), so the
 * caller can reuse that memory. In seal mode the same thread also encrypts the stream
 * and writes it (a write failure comes to `onWriteFailure`). The worker keeps the
 * process alive only while it has work; terminate() ends it.
 */
export class HashWorker {
  private readonly worker: Worker;
  private outstanding = 0;
  private digestWaiter: ((digest: Digest | undefined) => void) | undefined;
  private terminated = false;

  constructor(
    memory: SharedArrayBuffer,
    private readonly onHashed: (start: number) => void,
    private readonly onFailure: (error: unknown) => void,
    seal?: SealSpec,
    private readonly onWriteFailure: (error: { code: string; message: string }) => void = (e) => onFailure(Object.assign(new Error(e.message), { code: e.code })),
  ) {
    this.worker = seal === undefined ? new Worker(HASH_WORKER, { workerData: { memory } }) : new Worker(SEAL_WORKER, { workerData: { memory, ...seal } });
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
   * The digest of everything sent (once; resolves after every range before it is
   * hashed), or undefined when the worker failed (onFailure was called).
   */
  digest(): Promise<Digest | undefined> {
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
    const writeError = writeErrorOf(message);
    if (writeError !== undefined) {
      this.onWriteFailure(writeError);
      this.resolveDigest(undefined);
      return;
    }
    const start = ackOf(message);
    const digest = digestOf(message);
    this.busy(-1);
    if (typeof start === 'number') this.onHashed(start);
    else if (digest !== undefined) this.resolveDigest(digest);
  }

  private resolveDigest(digest: Digest | undefined): void {
    const waiter = this.digestWaiter;
    this.digestWaiter = undefined;
    if (waiter === undefined) return;
    if (digest === undefined) this.busy(-1);
    waiter(digest);
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
