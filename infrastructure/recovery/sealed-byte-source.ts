import * as fs from 'node:fs';
import { HEADER_BYTES, TAG_BYTES, chunkPosition, openChunk, parseSegmentHeader, type SegmentHeader } from '../crypto/segment-chunks';
import { SealedSegmentDamaged, type SegmentKeys } from '../restore/segment-source';
import type { ByteSource } from '../segment/tar-header';

/**
 * The tar stream inside an encrypted segment as a synchronous ByteSource (what the tar
 * walker reads): chunks are read, authenticated and decrypted as the walker asks for
 * them. A chunk that fails its tag throws SealedSegmentDamaged.
 */
export class SealedByteSource implements ByteSource {
  readonly size: number;
  private readonly header: SegmentHeader;
  private readonly key: Buffer;
  private readonly chunks: number;
  private readonly cache = new Map<number, Buffer>();

  private constructor(
    private readonly fd: number,
    fileBytes: number,
    header: SegmentHeader,
    keys: SegmentKeys,
  ) {
    this.header = header;
    this.key = keys.segmentKey(header.salt);
    this.chunks = Math.ceil((fileBytes - HEADER_BYTES) / (header.chunkBytes + TAG_BYTES));
    this.size = Math.max(0, fileBytes - HEADER_BYTES - this.chunks * TAG_BYTES);
  }

  /** Undefined when the file does not start with an encrypted segment header. */
  static open(fd: number, keys: SegmentKeys): SealedByteSource | string {
    const bytes = Buffer.alloc(HEADER_BYTES);
    const got = fs.readSync(fd, bytes, 0, HEADER_BYTES, 0);
    const header = parseSegmentHeader(bytes.subarray(0, got));
    if (typeof header === 'string') return header;
    return new SealedByteSource(fd, fs.fstatSync(fd).size, header, keys);
  }

  read(offset: number, length: number): Buffer {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return Buffer.alloc(0);
    const size = this.header.chunkBytes;
    const first = Math.floor(offset / size);
    const last = Math.floor((end - 1) / size);
    const parts: Buffer[] = [];
    for (let i = first; i <= last; i++) {
      const plain = this.chunk(i);
      const from = i === first ? offset - i * size : 0;
      const to = i === last ? end - i * size : plain.length;
      parts.push(plain.subarray(from, to));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private chunk(index: number): Buffer {
    const hit = this.cache.get(index);
    if (hit !== undefined) return hit;
    const sealed = Buffer.allocUnsafe(this.header.chunkBytes + TAG_BYTES);
    let got = 0;
    while (got < sealed.length) {
      const n = fs.readSync(this.fd, sealed, got, sealed.length - got, chunkPosition(index, this.header.chunkBytes) + got);
      if (n === 0) break;
      got += n;
    }
    const plain = openChunk(this.key, this.header.bytes, index, index === this.chunks - 1, sealed.subarray(0, got));
    if (plain === undefined) throw new SealedSegmentDamaged(index, 'fails authentication');
    if (this.cache.size >= 4) this.cache.delete(this.cache.keys().next().value ?? -1);
    this.cache.set(index, plain);
    return plain;
  }
}
