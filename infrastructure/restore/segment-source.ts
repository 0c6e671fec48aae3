import * as fs from 'node:fs';
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

export class SealedSegment implements SegmentSource {
  bytesRead = 0;
  private opened: Promise<{ header: SegmentHeader; key: Buffer; chunks: number }> | undefined;
  /** The chunk decrypted last: neighbouring reads often share their boundary chunk. */
  private cached: { index: number; plain: Buffer } | undefined;

  constructor(
    private readonly fd: number,
    private readonly keys: SegmentKeys,
  ) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const { header, key, chunks } = await this.open();
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
    fs.closeSync(this.fd);
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
