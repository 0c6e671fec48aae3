import * as t from 'io-ts';
import * as path from 'node:path';
import { knownReadPaths } from '../io-path/io-paths';
import { row } from '../threads/row';
import { WorkerClient } from '../threads/worker-client';

const WORKER_FILE = path.join(__dirname, 'segment-stream-worker.js');

/**
 * What the stream thread sends: a chunk filled ([stream id, start, length, file position]),
 * or the end of a stream ([id, sha256, changed, error op or '', error code, error text,
 * sent any, the chunk buffers it did not use]).
 */
export const StreamReply = t.union([
  t.type({ chunk: row('Chunk', t.number, t.number, t.number, t.number) }),
  t.type({ end: row('StreamEnd', t.number, t.string, t.boolean, t.string, t.string, t.string, t.boolean, t.array(t.number)) }),
]);
export type StreamReply = t.TypeOf<typeof StreamReply>;
/** What the stream thread is sent: free chunk buffers, or a file to stream ([id, path, size, mtime ns, chunk bytes, from, file size]). */
export const StreamSlots = t.type({ slots: t.array(t.number) });
export const StreamOpen = t.type({ open: row('StreamOpen', t.number, t.string, t.number, t.bigint, t.number, t.number, t.number) });
export type StreamOpen = t.TypeOf<typeof StreamOpen>;

export interface StreamEnd {
  /** hex SHA-256 of the bytes sent as chunks (empty when none was sent). */
  readonly sha256: string;
  readonly changed: boolean;
  /** Why reading stopped (the rest of the chunks are zeros), or why nothing was sent. */
  readonly error?: { readonly op: 'open' | 'read' | 'stat'; readonly code: string; readonly message: string };
  /** False when the file failed before its first chunk: nothing of it was sent. */
  readonly sentAny: boolean;
}

export interface StreamHandlers {
  /** A filled chunk buffer: `length` bytes of the file at `position`. */
  readonly chunk: (start: number, length: number, position: number) => void;
  readonly end: (end: StreamEnd) => void;
}

const opOf = (s: unknown): 'open' | 'read' | 'stat' => (s === 'open' || s === 'stat' ? s : 'read');

/**
 * Streams large source files, one at a time, on a worker thread that reads and hashes
 * each chunk (see segment-stream-worker). The caller gives it free chunk buffers
 * (`give`) and receives them filled, in file order; buffers the worker did not use come
 * back through `onUnused`.
 */
export class LargeFileReader {
  private thread: WorkerClient<StreamReply> | undefined;
  private current: { readonly id: number; readonly handlers: StreamHandlers } | undefined;
  private nextId = 1;
  private stopped = false;

  constructor(
    private readonly memory: SharedArrayBuffer,
    private readonly onUnused: (slots: readonly number[]) => void,
    private readonly onFailure: (error: unknown) => void,
    /** HMAC key for content hashes (encrypted tapes); none: SHA-256. */
    private readonly contentKey?: Uint8Array,
  ) {}

  get busy(): boolean {
    return this.current !== undefined;
  }

  /**
   * Starts streaming `size` bytes of `file` from byte `from` (one stream at a time);
   * `fileSize` is what the scan saw of the whole file. False once stopped.
   */
  start(file: string, size: number, mtimeNs: bigint, chunkBytes: number, handlers: StreamHandlers, from = 0, fileSize = size): boolean {
    if (this.stopped || this.current !== undefined) return false;
    const thread = this.spawn();
    const id = this.nextId++;
    this.current = { id, handlers };
    thread.hold();
    thread.post({ open: [id, file, size, mtimeNs, chunkBytes, from, fileSize] } satisfies StreamOpen);
    return true;
  }

  give(slots: readonly number[]): void {
    if (this.thread === undefined || this.stopped) {
      this.onUnused(slots);
      return;
    }
    this.thread.post({ slots });
  }

  async terminate(): Promise<void> {
    this.stopped = true;
    this.endCurrent({ sha256: '', changed: false, sentAny: false, error: { op: 'read', code: 'ECANCELED', message: 'the segment writer stopped' } });
    if (this.thread !== undefined) await this.thread.terminate();
  }

  private spawn(): WorkerClient<StreamReply> {
    this.thread ??= new WorkerClient({
      name: 'the large-file reader thread',
      file: WORKER_FILE,
      workerData: { memory: this.memory, contentKey: this.contentKey, readPaths: knownReadPaths() },
      messages: StreamReply,
      keepAlive: 'while-busy',
      onMessage: (message) => this.received(message),
      onFailure: (error) => this.failed(error),
    });
    return this.thread;
  }

  private received(message: StreamReply): void {
    const current = this.current;
    if ('chunk' in message) {
      const [id, start, length, position] = message.chunk;
      if (current !== undefined && id === current.id) current.handlers.chunk(start, length, position);
      return;
    }
    const [id, sha256, changed, op, code, text, sentAny, unused] = message.end;
    this.onUnused(unused);
    if (current === undefined || id !== current.id) return;
    this.endCurrent(op === '' ? { sha256, changed, sentAny } : { sha256, changed, sentAny, error: { op: opOf(op), code, message: text } });
  }

  private endCurrent(end: StreamEnd): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    this.thread?.release();
    current.handlers.end(end);
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onFailure(error);
    this.endCurrent({ sha256: '', changed: false, sentAny: false, error: { op: 'read', code: 'EWORKER', message: String(error) } });
  }
}
