import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { endWorker } from './worker-threads';

const WORKER_FILE = path.join(__dirname, 'segment-stream-worker.js');

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
  private worker: Worker | undefined;
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
    const worker = this.spawn();
    const id = this.nextId++;
    this.current = { id, handlers };
    worker.ref();
    worker.postMessage({ open: [id, file, size, mtimeNs, chunkBytes, from, fileSize] });
    return true;
  }

  give(slots: readonly number[]): void {
    if (this.worker === undefined || this.stopped) {
      this.onUnused(slots);
      return;
    }
    this.worker.postMessage({ slots });
  }

  async terminate(): Promise<void> {
    this.stopped = true;
    this.endCurrent({ sha256: '', changed: false, sentAny: false, error: { op: 'read', code: 'ECANCELED', message: 'the segment writer stopped' } });
    if (this.worker !== undefined) await endWorker(this.worker);
  }

  private spawn(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_FILE, { workerData: { memory: this.memory, contentKey: this.contentKey } });
    worker.unref();
    worker.on('message', (message: unknown) => this.received(message));
    worker.on('error', (error: unknown) => this.failed(error));
    worker.on('exit', (code: number) => {
      if (!this.stopped) this.failed(new Error(`the large-file reader thread exited (code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private received(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const current = this.current;
    if ('chunk' in message && Array.isArray(message.chunk)) {
      const [id, start, length, position] = message.chunk;
      if (current !== undefined && id === current.id && typeof start === 'number' && typeof length === 'number' && typeof position === 'number') {
        current.handlers.chunk(start, length, position);
      }
    } else if ('end' in message && Array.isArray(message.end)) {
      const [id, sha256, changed, op, code, text, sentAny, unused] = message.end;
      if (Array.isArray(unused)) this.onUnused(unused.filter((s): s is number => typeof s === 'number'));
      if (current === undefined || id !== current.id) return;
      const end: StreamEnd =
        op === ''
          ? { sha256: String(sha256), changed: changed === true, sentAny: sentAny === true }
          : { sha256: String(sha256), changed: changed === true, sentAny: sentAny === true, error: { op: opOf(op), code: String(code), message: String(text) } };
      this.endCurrent(end);
    }
  }

  private endCurrent(end: StreamEnd): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    if (!this.stopped) this.worker?.unref();
    current.handlers.end(end);
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onFailure(error);
    this.endCurrent({ sha256: '', changed: false, sentAny: false, error: { op: 'read', code: 'EWORKER', message: String(error) } });
  }
}
