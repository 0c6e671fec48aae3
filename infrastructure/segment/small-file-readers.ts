import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { endWorker } from './worker-threads';

const WORKER_FILE = path.join(__dirname, 'segment-read-worker.js');

export interface SmallRead {
  /** Bytes read (up to size + 1: one more than announced means the file grew). */
  readonly got: number;
  /** hex SHA-256 of the `size` bytes now in the slot (zero-filled past `got`). */
  readonly sha256: string;
  /** Shorter, longer, or its size or mtime differ from what was expected. */
  readonly changed: boolean;
  /** Why the file could not be read (nothing usable is in the slot). */
  readonly error?: { readonly op: 'open' | 'read' | 'stat'; readonly code: string; readonly message: string };
}

interface Pending {
  readonly resolve: (read: SmallRead | undefined) => void;
  readonly thread: Thread;
}

interface Thread {
  readonly worker: Worker;
  outstanding: number;
  batch: Array<readonly [number, string, number, bigint, number]>;
}

const opOf = (s: unknown): 'open' | 'read' | 'stat' => (s === 'open' || s === 'stat' ? s : 'read');

/**
 * Reads small files on worker threads (see segment-read-worker): requests made in one
 * turn of the event loop go out as one message per thread, answers come back in batches.
 * Workers keep the process alive only while they have requests.
 */
export class SmallFileReaders {
  private threads: Thread[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private flushScheduled = false;
  private stopped = false;

  constructor(
    private readonly memory: SharedArrayBuffer,
    private readonly count: number,
    private readonly onFailure: (error: unknown) => void,
    /** HMAC key for content hashes (encrypted tapes); none: SHA-256. */
    private readonly contentKey?: Uint8Array,
  ) {}

  /** Threads start with the first small file (a segment of large files never needs them). */
  private spawn(): void {
    const memory = this.memory;
    const contentKey = this.contentKey;
    this.threads = Array.from({ length: this.count }, () => {
      const worker = new Worker(WORKER_FILE, { workerData: { memory, contentKey } });
      worker.unref();
      const thread: Thread = { worker, outstanding: 0, batch: [] };
      worker.on('message', (message: unknown) => this.received(thread, message));
      worker.on('error', (error: unknown) => this.failed(error));
      worker.on('exit', (code: number) => {
        if (!this.stopped) this.failed(new Error(`a small-file reader thread exited (code ${code})`));
      });
      return thread;
    });
  }

  /** Reads `file` (expected `size` bytes, `mtimeNs`) into memory[slotStart...]; undefined once stopped or failed. */
  read(file: string, size: number, mtimeNs: bigint, slotStart: number): Promise<SmallRead | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    if (this.threads.length === 0) this.spawn();
    let thread = this.threads[0];
    for (const t of this.threads) if (thread === undefined || t.outstanding < thread.outstanding) thread = t;
    if (thread === undefined) return Promise.resolve(undefined);
    const id = this.nextId++;
    const chosen = thread;
    if (chosen.outstanding === 0) chosen.worker.ref();
    chosen.outstanding++;
    chosen.batch.push([id, file, size, mtimeNs, slotStart]);
    this.scheduleFlush();
    return new Promise((resolve) => this.pending.set(id, { resolve, thread: chosen }));
  }

  async terminate(): Promise<void> {
    this.stopped = true;
    this.settleAll();
    await Promise.all(this.threads.map((t) => endWorker(t.worker)));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const t of this.threads) {
        if (t.batch.length === 0) continue;
        const jobs = t.batch;
        t.batch = [];
        t.worker.postMessage({ jobs });
      }
    });
  }

  private received(thread: Thread, message: unknown): void {
    if (typeof message !== 'object' || message === null || !('done' in message) || !Array.isArray(message.done)) return;
    for (const answer of message.done) {
      if (!Array.isArray(answer)) continue;
      const [id, got, sha256, changed, op, code, text] = answer;
      const entry = typeof id === 'number' ? this.pending.get(id) : undefined;
      if (entry === undefined || typeof id !== 'number') continue;
      this.pending.delete(id);
      thread.outstanding--;
      if (thread.outstanding === 0 && !this.stopped) thread.worker.unref();
      if (op !== '') entry.resolve({ got: 0, sha256: '', changed: false, error: { op: opOf(op), code: String(code), message: String(text) } });
      else entry.resolve({ got: Number(got), sha256: String(sha256), changed: changed === true });
    }
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onFailure(error);
    this.settleAll();
  }

  private settleAll(): void {
    for (const entry of this.pending.values()) entry.resolve(undefined);
    this.pending.clear();
    for (const t of this.threads) t.outstanding = 0;
  }
}
