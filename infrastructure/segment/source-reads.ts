import * as fs from 'node:fs';
import { ALIGN, openDirectTwin } from '../direct-io';
import { isErrno } from '../errno';

/**
 * Reads of one source file into chunk memory, asynchronously (so the next chunk is read
 * while this one is hashed). A read that starts at an aligned file offset goes through a
 * second descriptor opened with O_DIRECT: the disk writes straight into the memory. A cold
 * read through the page cache cost about 1 CPU-second per GiB on the bench machine (pages
 * allocated, charged, copied and reclaimed), more than hashing the data. The first EINVAL
 * (a file system or a memory address direct I/O does not take) turns direct reads off.
 */
export class SourceReads {
  private direct: number | undefined;

  constructor(private readonly fd: number) {
    this.direct = openDirectTwin(fd);
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
      }
    }
    return readAt(this.fd, memory, at, length, position);
  }
}

const readAt = (fd: number, memory: Buffer, at: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, memory, at, length, position, (error, n) => (error === null ? resolve(n) : reject(error))));
