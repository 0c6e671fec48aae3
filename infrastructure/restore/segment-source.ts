import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HEADER_BYTES, TAG_BYTES, chunkPosition, openChunk, parseSegmentHeader, type SegmentHeader } from '../crypto/segment-chunks';

/** The keys a sealed segment needs: derived from the tape's data key. */
export interface SegmentKeys {
  readonly segmentKey: (salt: Buffer) => Buffer;
  readonly contentKey: Buffer;
}

/** An encrypted segment that cannot be trusted from `chunk` on: nothing of that chunk is released. */
export class SealedSegmentDamaged extends Error {
  constructor(
    readonly chunk: number,
    readonly why: string,
  ) {
    super(`chunk ${chunk} ${why}`);
  }
}

const readFully = (fd: number, buffer: Buffer, position: number): Promise<number> =>
  new Promise((resolve, reject) => {
    let got = 0;
    const step = (): void =>
      fs.read(fd, buffer, got, buffer.length - got, position + got, (error, n) => {
        if (error) return reject(error);
        got += n;
        if (n === 0 || got === buffer.length) return resolve(got);
        step();
      });
    step();
  });

/**
 * The tar stream of a segment, read at tar offsets: the file itself for a plain
 * segment; for an encrypted one, only the chunks that cover the range are read,
 * authenticated and decrypted (see crypto/segment-chunks). `bytesRead` counts what
 * was taken from the tape.
 */
export interface SegmentSource {
  /** Reads up to `length` bytes at tar offset `position` into `buffer` at `offset`; fewer only at the end of the data. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  readonly bytesRead: number;
  close(): void;
}

export class PlainSegment implements SegmentSource {
  bytesRead = 0;
  constructor(private readonly fd: number) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const n = await readFully(this.fd, buffer.subarray(offset, offset + length), position);
    this.bytesRead += n;
    return n;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Reads into shared memory go through a decrypting thread (decrypt-worker); others decrypt here. */
export class SealedSegment implements SegmentSource {
  bytesRead = 0;
  private opened: Promise<{ header: SegmentHeader; key: Buffer; chunks: number }> | undefined;
  private worker: { thread: Worker; memory: SharedArrayBuffer } | undefined;
  private readonly pending = new Map<number, { resolve: (n: number) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  /** The chunk decrypted last: neighbouring reads often share their boundary chunk. */
  private cached: { index: number; plain: Buffer } | undefined;

  constructor(
    private readonly fd: number,
    private readonly keys: SegmentKeys,
  ) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const { header, key, chunks } = await this.open();
    if (buffer.buffer instanceof SharedArrayBuffer) return this.readOnThread(buffer.buffer, buffer.byteOffset + offset, length, position, header, key, chunks);
    const size = header.chunkBytes;
    let done = 0;
    while (done < length) {
      const index = Math.floor((position + done) / size);
      if (index >= chunks) break;
      const plain = await this.chunk(index, chunks, header, key);
      const from = position + done - index * size;
      if (from >= plain.length) break;
      done += plain.copy(buffer, offset + done, from, Math.min(plain.length, from + length - done));
    }
    return done;
  }

  close(): void {
    if (this.worker !== undefined) void this.worker.thread.terminate();
    this.worker = undefined;
    fs.closeSync(this.fd);
  }

  /**
   * The decrypting thread reads the chunks that cover the range and writes their
   * plaintext straight into the shared memory (one thread per segment and memory).
   */
  private readOnThread(memory: SharedArrayBuffer, start: number, length: number, position: number, header: SegmentHeader, key: Buffer, chunks: number): Promise<number> {
    if (this.worker?.memory !== memory) {
      if (this.worker !== undefined) void this.worker.thread.terminate();
      const thread = new Worker(path.join(__dirname, 'decrypt-worker.js'), {
        workerData: { memory, fd: this.fd, key, header: header.bytes, chunkBytes: header.chunkBytes, chunks },
      });
      thread.on('message', (m: unknown) => this.answered(m));
      thread.on('error', (error: unknown) => {
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      });
      this.worker = { thread, memory };
    }
    const first = Math.floor(position / header.chunkBytes);
    const last = Math.floor((position + Math.max(1, length) - 1) / header.chunkBytes);
    // What the thread reads: the sealed chunks that cover the range (the cached one included).
    this.bytesRead += (last - first + 1) * (header.chunkBytes + TAG_BYTES);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker?.thread.postMessage({ r: [id, start, length, position] });
    });
  }

  private answered(m: unknown): void {
    if (typeof m !== 'object' || m === null || !('r' in m) || !Array.isArray(m.r)) return;
    const [id, n] = m.r;
    const waiter = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (waiter === undefined || typeof n !== 'number') return;
    this.pending.delete(id);
    if (n >= 0) return waiter.resolve(n);
    const chunk = 'chunk' in m && typeof m.chunk === 'number' ? m.chunk : -1;
    const why = 'why' in m && typeof m.why === 'string' ? m.why : 'unreadable';
    waiter.reject(new SealedSegmentDamaged(chunk, why));
  }

  private open(): Promise<{ header: SegmentHeader; key: Buffer; chunks: number }> {
    this.opened ??= (async () => {
      const bytes = Buffer.alloc(HEADER_BYTES);
      const got = await readFully(this.fd, bytes, 0);
      this.bytesRead += got;
      const header = parseSegmentHeader(bytes.subarray(0, got));
      if (typeof header === 'string') throw new SealedSegmentDamaged(0, `header: ${header}`);
      const fileBytes = fs.fstatSync(this.fd).size;
      const chunks = Math.ceil((fileBytes - HEADER_BYTES) / (header.chunkBytes + TAG_BYTES));
      return { header, key: this.keys.segmentKey(header.salt), chunks };
    })();
    return this.opened;
  }

  private async chunk(index: number, chunks: number, header: SegmentHeader, key: Buffer): Promise<Buffer> {
    if (this.cached?.index === index) return this.cached.plain;
    const sealed = Buffer.allocUnsafe(header.chunkBytes + TAG_BYTES);
    const got = await readFully(this.fd, sealed, chunkPosition(index, header.chunkBytes));
    this.bytesRead += got;
    const last = index === chunks - 1;
    if (!last && got < sealed.length) throw new SealedSegmentDamaged(index, 'is cut short (the segment is truncated)');
    const plain = openChunk(key, header.bytes, index, last, sealed.subarray(0, got));
    if (plain === undefined) throw new SealedSegmentDamaged(index, 'fails authentication (damaged, truncated, reordered or from another segment)');
    this.cached = { index, plain };
    return plain;
  }
}
