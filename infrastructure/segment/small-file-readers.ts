import * as t from 'io-ts';
import * as path from 'node:path';
import { row } from '../threads/row';
import { WorkerClient } from '../threads/worker-client';

const WORKER_FILE = path.join(__dirname, 'segment-read-worker.js');

/** One file read: [request id, bytes read, sha256, changed, error op or '', error code, error text]. */
export const ReadAnswer = row('ReadAnswer', t.number, t.number, t.string, t.boolean, t.string, t.string, t.string);
export type ReadAnswer = t.TypeOf<typeof ReadAnswer>;
/** What a reader thread sends: the answers to the requests it worked through, in batches. */
export const ReadReply = t.type({ done: t.array(ReadAnswer) });
export type ReadReply = t.TypeOf<typeof ReadReply>;
/** One file to read: [request id, path, expected size, expected mtime ns, start of its slot]. */
export const ReadJob = row('ReadJob', t.number, t.string, t.number, t.bigint, t.number);
export type ReadJob = t.TypeOf<typeof ReadJob>;
/** What a reader thread is sent: the requests made in one turn of the event loop. */
export const ReadRequest = t.type({ jobs: t.array(ReadJob) });

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
  readonly client: WorkerClient<ReadReply>;
  /** Requests sent and not yet answered (the thread with fewest gets the next). */
  outstanding: number;
  batch: ReadJob[];
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
      const thread: Thread = {
        client: new WorkerClient({
          name: 'a small-file reader thread',
          file: WORKER_FILE,
          workerData: { memory, contentKey },
          messages: ReadReply,
          keepAlive: 'while-busy',
          onMessage: (message) => this.received(thread, message),
          onFailure: (error) => this.failed(error),
        }),
        outstanding: 0,
        batch: [],
      };
      return thread;
    });
  }

  /** Reads `file` (expected `size` bytes, `mtimeNs`) into memory[slotStart...]; undefined once stopped or failed. */
  read(file: string, size: number, mtimeNs: bigint, slotStart: number): Promise<SmallRead | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    if (this.threads.length === 0) this.spawn();
    let thread = this.threads[0];
    for (const candidate of this.threads) if (thread === undefined || candidate.outstanding < thread.outstanding) thread = candidate;
    if (thread === undefined) return Promise.resolve(undefined);
    const id = this.nextId++;
    const chosen = thread;
    chosen.client.hold();
    chosen.outstanding++;
    chosen.batch.push([id, file, size, mtimeNs, slotStart]);
    this.scheduleFlush();
    return new Promise((resolve) => this.pending.set(id, { resolve, thread: chosen }));
  }

  async terminate(): Promise<void> {
    this.stopped = true;
    this.settleAll();
    await Promise.all(this.threads.map((thread) => thread.client.terminate()));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const thread of this.threads) {
        if (thread.batch.length === 0) continue;
        const jobs = thread.batch;
        thread.batch = [];
        thread.client.post({ jobs });
      }
    });
  }

  private received(thread: Thread, message: ReadReply): void {
    for (const [id, got, sha256, changed, op, code, text] of message.done) {
      const entry = this.pending.get(id);
      if (entry === undefined) continue;
      this.pending.delete(id);
      thread.outstanding--;
      thread.client.release();
      if (op !== '') entry.resolve({ got: 0, sha256: '', changed: false, error: { op: opOf(op), code, message: text } });
      else entry.resolve({ got, sha256, changed });
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
    for (const thread of this.threads) {
      thread.outstanding = 0;
      thread.client.releaseAll();
    }
  }
}
