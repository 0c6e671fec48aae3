import * as t from 'io-ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SealedChunkReader, SealedSegmentDamaged, openSealedFile, type SealedFile } from '../crypto/sealed-chunk-reader';
import { HEADER_BYTES, TAG_BYTES } from '../crypto/segment-chunks';
import { openDirectTwin } from '../direct-io';
import { Advice, advise } from '../read-ahead';
import { row } from '../threads/row';
import { WorkerClient } from '../threads/worker-client';

/** What the decrypting thread answers: [request id, bytes read], or [id, -1] with the chunk that failed (-1: none) and why. */
export const DecryptReply = t.intersection([t.type({ r: row('DecryptAnswer', t.number, t.number) }), t.partial({ chunk: t.number, why: t.string })]);
export type DecryptReply = t.TypeOf<typeof DecryptReply>;
/** What the decrypting thread is asked: [request id, start in the shared memory, length, tar offset]. */
export const DecryptRequest = t.type({ r: row('DecryptRequest', t.number, t.number, t.number, t.number) });
export type DecryptRequest = t.TypeOf<typeof DecryptRequest>;

/** The keys a sealed segment needs: derived from the tape's data key. */
export interface SegmentKeys {
  readonly segmentKey: (salt: Buffer) => Buffer;
  readonly contentKey: Buffer;
}

export { SealedSegmentDamaged };

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
  /** A hint that `length` bytes at tar offset `position` are read next (a plain segment read through the page cache: the kernel fetches them ahead). */
  prefetch?(position: number, length: number): void;
  close(): void;
}

export class PlainSegment implements SegmentSource {
  bytesRead = 0;
  constructor(
    private readonly fd: number,
    /** Read-ahead hints allowed (not on an LTFS tape: see io-path readAheadOn). */
    private readonly readAhead = false,
  ) {}

  prefetch(position: number, length: number): void {
    if (this.readAhead) advise(this.fd, position, length, Advice.willNeed);
  }

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
  private reader: SealedChunkReader | undefined;
  private threadBytes = 0;
  private worker: { thread: WorkerClient<DecryptReply>; memory: SharedArrayBuffer } | undefined;
  /** Why the decrypting thread failed, once it has: later reads on it fail at once. */
  private broken: Error | undefined;
  /** The segment open a second time with O_DIRECT, for the decrypting thread (undefined: not taken, or not yet opened). */
  private direct: number | undefined | null = null;
  private readonly pending = new Map<number, { resolve: (n: number) => void; reject: (e: unknown) => void }>();
  private nextId = 1;

  constructor(
    private readonly fd: number,
    private readonly keys: SegmentKeys,
    /** Whether the decrypting thread reads with O_DIRECT (where taken): what io-path chose for the tape's file system. */
    private readonly preferDirect = true,
  ) {}

  get bytesRead(): number {
    return this.reader === undefined ? 0 : HEADER_BYTES + this.threadBytes + this.reader.bytesRead;
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const reader = this.open();
    if (buffer.buffer instanceof SharedArrayBuffer) return this.readOnThread(buffer.buffer, buffer.byteOffset + offset, length, position, reader.file);
    return reader.readInto(buffer, offset, length, position);
  }

  close(): void {
    if (this.worker !== undefined) void this.worker.thread.terminate();
    this.worker = undefined;
    if (typeof this.direct === 'number') fs.closeSync(this.direct);
    fs.closeSync(this.fd);
  }

  private open(): SealedChunkReader {
    this.reader ??= new SealedChunkReader(openSealedFile(this.fd, (salt) => this.keys.segmentKey(salt)));
    return this.reader;
  }

  /**
   * The decrypting thread reads the chunks that cover the range and writes their
   * plaintext straight into the shared memory (one thread per segment and memory).
   */
  private readOnThread(memory: SharedArrayBuffer, start: number, length: number, position: number, file: SealedFile): Promise<number> {
    const { header, key, chunks } = file;
    if (this.worker?.memory !== memory) {
      if (this.worker !== undefined) void this.worker.thread.terminate();
      if (this.direct === null) this.direct = this.preferDirect ? openDirectTwin(this.fd) : undefined;
      const thread = new WorkerClient({
        name: 'the decrypting thread',
        file: path.join(__dirname, 'decrypt-worker.js'),
        workerData: { memory, fd: this.fd, key, header: header.bytes, chunks, direct: this.direct ?? -1 },
        messages: DecryptReply,
        keepAlive: 'always',
        onMessage: (m) => this.answered(m),
        onFailure: (error) => {
          this.broken = error;
          for (const p of this.pending.values()) p.reject(error);
          this.pending.clear();
        },
      });
      this.broken = undefined;
      this.worker = { thread, memory };
    }
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const first = Math.floor(position / header.chunkBytes);
    const last = Math.floor((position + Math.max(1, length) - 1) / header.chunkBytes);
    // What the thread reads: the sealed chunks that cover the range (the cached one included).
    this.threadBytes += (last - first + 1) * (header.chunkBytes + TAG_BYTES);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker?.thread.post({ r: [id, start, length, position] } satisfies DecryptRequest);
    });
  }

  private answered(m: DecryptReply): void {
    const [id, n] = m.r;
    const waiter = this.pending.get(id);
    if (waiter === undefined) return;
    this.pending.delete(id);
    if (n >= 0) return waiter.resolve(n);
    waiter.reject(new SealedSegmentDamaged(m.chunk ?? -1, m.why ?? 'unreadable'));
  }
}
