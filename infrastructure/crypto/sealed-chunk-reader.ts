import * as fs from 'node:fs';
import { readFullySync } from '../read-fully';
import { HEADER_BYTES, TAG_BYTES, chunkPosition, openChunk, parseSegmentHeader, type SegmentHeader } from './segment-chunks';

/** An encrypted segment that cannot be trusted from `chunk` on: nothing of that chunk is released. */
export class SealedSegmentDamaged extends Error {
  constructor(
    readonly chunk: number,
    readonly why: string,
  ) {
    super(`chunk ${chunk} ${why}`);
  }
}

/** What reading a sealed segment needs: its header, its key, and how many chunks the file holds. */
export interface SealedFile {
  readonly fd: number;
  readonly header: SegmentHeader;
  readonly key: Buffer;
  readonly chunks: number;
}

/** Reads and checks the header of the segment open at `fd`; a header that is not ours is damage at chunk 0. */
export const openSealedFile = (fd: number, segmentKey: (salt: Buffer) => Buffer): SealedFile => {
  const bytes = Buffer.alloc(HEADER_BYTES);
  const header = parseSegmentHeader(bytes.subarray(0, readFullySync(fd, bytes, 0)));
  if (typeof header === 'string') throw new SealedSegmentDamaged(0, `header: ${header}`);
  const chunks = Math.ceil((fs.fstatSync(fd).size - HEADER_BYTES) / (header.chunkBytes + TAG_BYTES));
  return { fd, header, key: segmentKey(header.salt), chunks };
};

/**
 * Random access to the tar stream inside a sealed segment, one chunk at a time: each
 * chunk is read, authenticated and decrypted (the last one decrypted is kept, since
 * neighbouring reads share their boundary chunk). Synchronous: for threads and callers
 * that read a little at a time. `bytesRead` counts what was taken from the tape.
 */
export class SealedChunkReader {
  bytesRead = 0;
  private readonly sealed: Buffer;
  private cached: { index: number; plain: Buffer } | undefined;

  constructor(readonly file: SealedFile) {
    this.sealed = Buffer.allocUnsafe(file.header.chunkBytes + TAG_BYTES);
  }

  /** The plaintext size (what the chunks in the file hold). */
  get plainBytes(): number {
    return Math.max(0, fs.fstatSync(this.file.fd).size - HEADER_BYTES - this.file.chunks * TAG_BYTES);
  }

  /** Copies up to `length` tar bytes at `position` into `target` at `at`; fewer only at the end. */
  readInto(target: Buffer, at: number, length: number, position: number): number {
    const size = this.file.header.chunkBytes;
    let done = 0;
    while (done < length) {
      const index = Math.floor((position + done) / size);
      if (index >= this.file.chunks) break;
      const plain = this.chunk(index);
      const from = position + done - index * size;
      if (from >= plain.length) break;
      done += plain.copy(target, at + done, from, Math.min(plain.length, from + length - done));
    }
    return done;
  }

  chunk(index: number): Buffer {
    if (this.cached?.index === index) return this.cached.plain;
    const { fd, header, key, chunks } = this.file;
    const got = readFullySync(fd, this.sealed, chunkPosition(index, header.chunkBytes));
    this.bytesRead += got;
    const last = index === chunks - 1;
    if (!last && got < this.sealed.length) throw new SealedSegmentDamaged(index, 'is cut short (the segment is truncated)');
    const plain = openChunk(key, header.bytes, index, last, this.sealed.subarray(0, got));
    if (plain === undefined) throw new SealedSegmentDamaged(index, 'fails authentication (damaged, truncated, reordered or from another segment)');
    this.cached = { index, plain };
    return plain;
  }
}
