import * as fs from 'node:fs';
import { ALIGN, openDirectTwin } from '../direct-io';
import { isErrno } from '../errno';
import { Advice, advise } from '../read-ahead';

/** Chunks a buffered read asks the kernel to fetch beyond the one being read (with the chunk read ahead, several requests in flight). */
export const WILLNEED_CHUNKS = 2;

/**
 * Reads of one source file into chunk memory, asynchronously (so the next chunk is read
 * while this one is hashed). With `direct` (what io-path chose for the file system), a
 * read that starts at an aligned file offset goes through a second descriptor opened
 * with O_DIRECT: the disk writes straight into the memory. A cold read through the page
 * cache cost about 1 CPU-second per GiB on the bench machine (pages allocated, charged,
 * copied and reclaimed), more than hashing the data. The first EINVAL (a file system or
 * a memory address direct I/O does not take) turns direct reads off. Buffered reads tell
 * the kernel the file is read in order and which chunks come next (posix_fadvise, where
 * the native addon has it), so its read-ahead keeps the disk busy with large requests.
 */
export class SourceReads {
  private direct: number | undefined;
  /** Where the kernel was last asked to read ahead up to (buffered reads). */
  private advisedTo = 0;

  constructor(
    private readonly fd: number,
    preferDirect = true,
    private readonly chunkBytes = 4 * 1024 * 1024,
    /** Read-ahead hints allowed (not on FUSE: see io-path readAheadOn). */
    private readonly readAheadHints = true,
  ) {
    this.direct = preferDirect ? openDirectTwin(fd) : undefined;
    if (this.direct === undefined && readAheadHints) advise(fd, 0, 0, Advice.sequential);
  }

  /**
   * Reads up to `length` bytes at `position` into `memory` at `at`: fewer only at the end of
   * the file. A direct read moves whole pages, so up to `room` bytes at `at` may be written.
   */
  async read(memory: Buffer, at: number, length: number, position: number, room: number): Promise<number> {
    let got = 0;
    while (got < length) {
      const n = await this.once(memory, at + got, length - got, position + got, room - got);
      if (n === 0) break;
      got += Math.min(n, length - got);
    }
    return got;
  }

  close(): void {
    if (this.direct !== undefined) fs.closeSync(this.direct);
    this.direct = undefined;
  }

  private async once(memory: Buffer, at: number, length: number, position: number, room: number): Promise<number> {
    const span = Math.ceil(length / ALIGN) * ALIGN;
    if (this.direct !== undefined && position % ALIGN === 0 && span <= room) {
      try {
        return await readAt(this.direct, memory, at, span, position);
      } catch (error) {
        if (!isErrno(error, 'EINVAL')) throw error;
        this.close();
        if (this.readAheadHints) advise(this.fd, 0, 0, Advice.sequential);
      }
    }
    this.readAhead(position + length);
    return readAt(this.fd, memory, at, length, position);
  }

  /** Asks the kernel for the chunks after `from` (once each), so they are on their way when asked for. */
  private readAhead(from: number): void {
    const to = from + WILLNEED_CHUNKS * this.chunkBytes;
    if (!this.readAheadHints || to <= this.advisedTo) return;
    const start = Math.max(from, this.advisedTo);
    advise(this.fd, start, to - start, Advice.willNeed);
    this.advisedTo = to;
  }
}

const readAt = (fd: number, memory: Buffer, at: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, memory, at, length, position, (error, n) => (error === null ? resolve(n) : reject(error))));
