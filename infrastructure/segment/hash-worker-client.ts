import * as t from 'io-ts';
import * as path from 'node:path';
import { row } from '../threads/row';
import { WorkerClient } from '../threads/worker-client';

const HASH_WORKER = path.join(__dirname, 'segment-hash-worker.js');
const SEAL_WORKER = path.join(__dirname, 'segment-seal-worker.js');

/** What the hash and seal threads send: a range hashed, the digest, or (seal mode) why writing failed. */
export const HashReply = t.union([
  t.type({ a: t.number }),
  t.intersection([t.type({ digest: t.string }), t.partial({ bytes: t.number, plainBytes: t.number })]),
  t.type({ e: t.type({ code: t.string, message: t.string }) }),
]);
export type HashReply = t.TypeOf<typeof HashReply>;
/** What they are sent: hash memory[start, start + length) next, or send the digest. */
export const HashUpdate = t.type({ u: row('HashUpdate', t.number, t.number) });
export type HashUpdate = t.TypeOf<typeof HashUpdate>;

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
  private readonly thread: WorkerClient<HashReply>;
  private digestWaiter: ((digest: Digest | undefined) => void) | undefined;

  constructor(
    memory: SharedArrayBuffer,
    private readonly onHashed: (start: number) => void,
    private readonly onFailure: (error: unknown) => void,
    seal?: SealSpec,
    private readonly onWriteFailure: (error: { code: string; message: string }) => void = (e) => onFailure(Object.assign(new Error(e.message), { code: e.code })),
  ) {
    this.thread = new WorkerClient({
      name: 'the segment hash worker',
      file: seal === undefined ? HASH_WORKER : SEAL_WORKER,
      workerData: seal === undefined ? { memory } : { memory, ...seal },
      messages: HashReply,
      keepAlive: 'while-busy',
      onMessage: (message) => this.received(message),
      onFailure: (error) => this.failed(error),
    });
  }

  /** Hashes memory[start, start + length) after everything sent before. */
  update(start: number, length: number): void {
    this.thread.hold();
    this.thread.post({ u: [start, length] } satisfies HashUpdate);
  }

  /**
   * The digest of everything sent (once; resolves after every range before it is
   * hashed), or undefined when the worker failed (onFailure was called).
   */
  digest(): Promise<Digest | undefined> {
    return new Promise((resolve) => {
      if (!this.thread.running) return resolve(undefined);
      this.thread.hold();
      this.digestWaiter = resolve;
      this.thread.post({ d: true });
    });
  }

  /** Ends the thread; a digest still awaited resolves undefined (nothing is answered after this). */
  terminate(): Promise<void> {
    const ended = this.thread.terminate();
    this.resolveDigest(undefined);
    return ended;
  }

  private received(message: HashReply): void {
    if ('e' in message) {
      this.onWriteFailure(message.e);
      this.resolveDigest(undefined);
      return;
    }
    this.thread.release();
    if ('a' in message) this.onHashed(message.a);
    else this.resolveDigest({ sha256: message.digest, bytes: message.bytes, plainBytes: message.plainBytes });
  }

  private resolveDigest(digest: Digest | undefined): void {
    const waiter = this.digestWaiter;
    this.digestWaiter = undefined;
    if (waiter === undefined) return;
    if (digest === undefined) this.thread.release();
    waiter(digest);
  }

  private failed(error: unknown): void {
    this.onFailure(error);
    const waiter = this.digestWaiter;
    this.digestWaiter = undefined;
    waiter?.(undefined);
  }
}
