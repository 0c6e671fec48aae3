import * as fs from 'node:fs';
import { ALIGN } from '../direct-io';
import { isErrno } from '../errno';
import { SealedSegmentDamaged, type SealedFile } from '../crypto/sealed-chunk-reader';
import { TAG_BYTES, chunkPosition, openChunkInto } from '../crypto/segment-chunks';

/** Bytes of one read window: several sealed chunks, read in one request. */
const WINDOW_BYTES = 8 * 1024 * 1024;

/** A run of whole sealed chunks in memory: chunks `first` .. `first + count - 1`, read from file offset `at`. */
interface Window {
  readonly first: number;
  readonly count: number;
  readonly at: number;
  /** Which of the two buffers holds it. */
  readonly buffer: 0 | 1;
  readonly bytes: Buffer;
  readonly got: number;
}

const readFully = (fd: number, buffer: Buffer, position: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const step = (got: number): void =>
      fs.read(fd, buffer, got, buffer.length - got, position + got, (error, n) => {
        if (error !== null) return reject(error);
        if (n === 0 || got + n === buffer.length) return resolve(got + n);
        step(got + n);
      });
    step(0);
  });

/** The offset in `memory` that direct reads from `fd` accept, found by trying (like probeDirectOffset); undefined when none. */
const directBase = (fd: number, memory: Buffer): number | undefined => {
  for (let base = 0; base < ALIGN; base += 16) {
    try {
      fs.readSync(fd, memory, base, ALIGN, 0);
      return base;
    } catch (error) {
      if (!isErrno(error, 'EINVAL')) return undefined;
    }
  }
  return undefined;
};

/**
 * Sequential access to the tar stream inside a sealed segment, for the decrypting thread:
 * whole runs of sealed chunks are read in windows of 8 MiB, the next window while this one
 * is decrypted, with O_DIRECT where the file system takes it. A cold read through the page
 * cache cost about 1 CPU-second per GiB here (the pages are allocated, charged and copied);
 * a direct read DMAs into this memory. Each chunk is authenticated before any byte of it is
 * released (see crypto/segment-chunks). A jump elsewhere in the file reads a new window there.
 */
export class SealedWindowReader {
  private readonly windows: readonly [Buffer, Buffer];
  private fd: number;
  /** Reads go through `direct` (O_DIRECT) until the file system refuses one. */
  private direct: boolean;
  private current: Window | undefined;
  /** The window after `current`, being read into the other buffer. */
  private next: { readonly first: number; readonly window: Promise<Window> } | undefined;
  private cached: { index: number; plain: Buffer } | undefined;
  /** Where a chunk is decrypted (native GCM; node:crypto gives a new buffer). */
  private readonly scratch: Buffer;
  private readonly sealedBytes: number;

  /** `direct`: the same file open with O_DIRECT (see direct-io openDirectTwin), if any; the caller closes it. */
  constructor(
    readonly file: SealedFile,
    direct: number | undefined,
  ) {
    this.sealedBytes = file.header.chunkBytes + TAG_BYTES;
    this.scratch = Buffer.allocUnsafeSlow(file.header.chunkBytes);
    const size = Math.max(WINDOW_BYTES, Math.ceil((this.sealedBytes + ALIGN) / ALIGN) * ALIGN + ALIGN);
    const memory = Buffer.allocUnsafeSlow(2 * size + ALIGN);
    const base = direct === undefined ? undefined : directBase(direct, memory);
    this.direct = direct !== undefined && base !== undefined;
    this.fd = direct !== undefined && base !== undefined ? direct : file.fd;
    const at = base ?? 0;
    this.windows = [memory.subarray(at, at + size), memory.subarray(at + size, at + 2 * size)];
  }

  /** Copies up to `length` tar bytes at `position` into `target` at `at`; fewer only at the end. */
  async readInto(target: Buffer, at: number, length: number, position: number): Promise<number> {
    const size = this.file.header.chunkBytes;
    let done = 0;
    while (done < length) {
      const index = Math.floor((position + done) / size);
      if (index >= this.file.chunks) break;
      const plain = await this.chunk(index);
      const from = position + done - index * size;
      if (from >= plain.length) break;
      done += plain.copy(target, at + done, from, Math.min(plain.length, from + length - done));
    }
    return done;
  }

  private async chunk(index: number): Promise<Buffer> {
    if (this.cached?.index === index) return this.cached.plain;
    const window = await this.windowWith(index);
    const { chunks, header, key } = this.file;
    const start = chunkPosition(index, header.chunkBytes) - window.at;
    const got = Math.max(0, Math.min(this.sealedBytes, window.got - start));
    const last = index === chunks - 1;
    if (!last && got < this.sealedBytes) throw new SealedSegmentDamaged(index, 'is cut short (the segment is truncated)');
    this.cached = undefined;
    const plain = openChunkInto(key, header.bytes, index, last, window.bytes.subarray(start, start + got), this.scratch);
    if (plain === undefined) throw new SealedSegmentDamaged(index, 'fails authentication (damaged, truncated, reordered or from another segment)');
    this.cached = { index, plain };
    return plain;
  }

  private async windowWith(index: number): Promise<Window> {
    const current = this.current;
    if (current !== undefined && index >= current.first && index < current.first + current.count) return current;
    const ahead = this.next;
    this.next = undefined;
    let window: Window;
    if (ahead?.first === index) window = await ahead.window;
    else {
      // A jump: the read ahead (into the other buffer) is not needed; let it land first.
      await ahead?.window.catch(() => undefined);
      window = await this.read(index, this.spare());
    }
    this.current = window;
    const following = window.first + window.count;
    if (following < this.file.chunks) {
      const read = this.read(following, this.spare());
      read.catch(() => undefined);
      this.next = { first: following, window: read };
    }
    return window;
  }

  /** The buffer `current` does not use. */
  private spare(): 0 | 1 {
    return this.current?.buffer === 0 ? 1 : 0;
  }

  /** Reads the chunks from `first` on that fit in `buffer` (at least one), from an aligned offset. */
  private async read(first: number, which: 0 | 1): Promise<Window> {
    const buffer = this.windows[which];
    const chunkBytes = this.file.header.chunkBytes;
    const at = Math.floor(chunkPosition(first, chunkBytes) / ALIGN) * ALIGN;
    let count = 1;
    while (first + count < this.file.chunks && Math.ceil(chunkPosition(first + count + 1, chunkBytes) / ALIGN) * ALIGN - at <= buffer.length) count++;
    const bytes = buffer.subarray(0, Math.min(buffer.length, Math.ceil(chunkPosition(first + count, chunkBytes) / ALIGN) * ALIGN - at));
    let got: number;
    try {
      got = await readFully(this.fd, bytes, at);
    } catch (error) {
      if (!this.direct || !isErrno(error, 'EINVAL')) throw error;
      // The file system refused a direct read after all: the page cache from here on.
      this.direct = false;
      this.fd = this.file.fd;
      got = await readFully(this.fd, bytes, at);
    }
    return { first, count, at, buffer: which, bytes, got };
  }
}
