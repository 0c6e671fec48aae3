import * as t from 'io-ts';
import * as path from 'node:path';
import { row } from '../threads/row';
import { WorkerClient } from '../threads/worker-client';

/** One small file to write from the shared memory. */
export interface WriteFile {
  readonly path: string;
  readonly mode: number;
  readonly mtimeSeconds: number;
  /** The same time in whole microseconds (what a quick check compares). */
  readonly mtimeUs: number;
  /** The same time exactly: whole seconds (towards minus infinity) and nanoseconds, set through the native addon when it is there. */
  readonly mtimeExact: { readonly seconds: number; readonly nanoseconds: number };
  /** Where its bytes lie in the shared memory. */
  readonly start: number;
  readonly length: number;
  /** The expected content hash, 64 lowercase hex digits. */
  readonly sha256: string;
}

export const WriteOutcome = t.keyof({ skipped: null, differs: null, corrupted: null, failed: null });
export type WriteOutcome = t.TypeOf<typeof WriteOutcome>;

/** A file that was not written: its index in the list given to `write`, what happened, why. */
export const WriteMiss = row('WriteMiss', t.number, WriteOutcome, t.string);
export type WriteMiss = t.TypeOf<typeof WriteMiss>;

/** What a file-writing thread answers to a batch: the files it did not write, or that the batch did not decode. */
export const WriteReply = t.union([t.array(WriteMiss), t.type({ error: t.string })]);
export type WriteReply = t.TypeOf<typeof WriteReply>;

/**
 * What a thread is sent (file-writer-worker.ts): the files column by column, so a batch
 * is a few values to copy between threads instead of an object per file.
 */
export interface WriteBatch {
  /** The target paths joined by NUL and `/`: a path's text holds a NUL only before two hex digits (name-bytes.ts). */
  readonly paths: string;
  /** Per file (COLUMNS numbers): mode, mtime in seconds, start in the memory, length, mtime in microseconds, mtime's whole seconds and nanoseconds. */
  readonly numbers: Float64Array;
  /** Per file: the 32-byte content hash. */
  readonly hashes: Uint8Array;
  readonly overwrite: boolean;
}

/** Between the target paths of a batch: a path's text holds a NUL only before two hex digits (domain/name-bytes.ts), never before a `/`. */
export const PATH_SEPARATOR = '\0/';
export const HASH_BYTES = 32;
export const COLUMNS = 7;

const encode = (files: readonly WriteFile[], overwrite: boolean): WriteBatch => {
  const numbers = new Float64Array(files.length * COLUMNS);
  const hashes = Buffer.alloc(files.length * HASH_BYTES);
  files.forEach((f, i) => {
    numbers[i * COLUMNS] = f.mode;
    numbers[i * COLUMNS + 1] = f.mtimeSeconds;
    numbers[i * COLUMNS + 2] = f.start;
    numbers[i * COLUMNS + 3] = f.length;
    numbers[i * COLUMNS + 4] = f.mtimeUs;
    numbers[i * COLUMNS + 5] = f.mtimeExact.seconds;
    numbers[i * COLUMNS + 6] = f.mtimeExact.nanoseconds;
    hashes.write(f.sha256, i * HASH_BYTES, HASH_BYTES, 'hex');
  });
  return { paths: files.map((f) => f.path).join(PATH_SEPARATOR), numbers, hashes, overwrite };
};

interface Waiter {
  readonly first: number;
  readonly resolve: (misses: WriteMiss[]) => void;
  readonly reject: (error: unknown) => void;
}

/** A thread's answer to the oldest batch it was sent: the misses, their indexes made the caller's. */
const answered = (waiter: Waiter | undefined, reply: WriteReply): void => {
  if (waiter === undefined) return;
  if (!Array.isArray(reply)) return waiter.reject(new Error('a file-writing thread could not read its batch'));
  waiter.resolve(reply.map(([i, outcome, reason]) => [waiter.first + i, outcome, reason]));
};

interface Thread {
  readonly client: WorkerClient<WriteReply>;
  /** Batches sent and not yet answered, in order: a thread answers them in the order sent. */
  readonly waiting: Waiter[];
  /** Why the thread ended, once it has: later batches fail at once instead of waiting forever. */
  broken?: Error;
}

/**
 * A small pool of file-writing threads (file-writer-worker.ts) over one shared memory.
 * Batches queue up on the threads: a thread starts the next one the moment it ends one,
 * so it never waits on this thread between windows.
 */
export class FileWriters {
  private readonly threads: Thread[];

  /**
   * `contentKey`: file hashes are HMACs under it (encrypted tapes); `tag`: of the
   * temporary names (part-file.ts); `quick`: files already there are judged by size and time.
   */
  constructor(count: number, memory: SharedArrayBuffer, options: { readonly contentKey: Buffer | undefined; readonly tag: string; readonly quick: boolean }) {
    const workerData = { memory, ...options };
    this.threads = Array.from({ length: count }, () => {
      const waiting: Waiter[] = [];
      const thread: Thread = {
        waiting,
        client: new WorkerClient({
          name: 'a file-writing thread',
          file: path.join(__dirname, 'file-writer-worker.js'),
          workerData,
          messages: WriteReply,
          keepAlive: 'always',
          onMessage: (reply) => answered(waiting.shift(), reply),
          onFailure: (error) => {
            thread.broken = error;
            for (const waiter of waiting.splice(0)) waiter.reject(error);
          },
        }),
      };
      return thread;
    });
  }

  /** Queues the files over the threads (split evenly); resolves with the files not written. */
  async write(files: readonly WriteFile[], overwrite: boolean): Promise<WriteMiss[]> {
    const share = Math.ceil(files.length / this.threads.length);
    const parts = this.threads
      .map((thread, i) => ({ thread, first: i * share, part: files.slice(i * share, (i + 1) * share) }))
      .filter(({ part }) => part.length > 0);
    const results = await Promise.all(
      parts.map(
        ({ thread, first, part }) =>
          new Promise<WriteMiss[]>((resolve, reject) => {
            if (thread.broken !== undefined) return reject(thread.broken);
            thread.waiting.push({ first, resolve, reject });
            thread.client.post(encode(part, overwrite));
          }),
      ),
    );
    return results.flat();
  }

  close(): Promise<void> {
    return Promise.all(this.threads.map(({ client }) => client.terminate())).then(() => undefined);
  }
}
