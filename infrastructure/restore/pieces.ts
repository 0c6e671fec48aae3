import * as fs from 'node:fs';
import { contentHasher } from '../segment/content-hash';
import type { SegmentSource } from './segment-source';

const CHUNK = 4 * 1024 * 1024;

/**
 * The files a restore rebuilds from pieces (a file split across tapes by a spanning
 * backup), across the passes of one restore: which target files it created, how many
 * of their bytes are in, and which failed or were skipped (then their other pieces are
 * not written either). A file counts as restored only once all its bytes are in.
 */
export class PieceLedger {
  private readonly files = new Map<string, { state: 'writing' | 'skipped' | 'failed'; written: number; readonly size: number; readonly original: string }>();

  state(full: string): 'new' | 'writing' | 'skipped' | 'failed' {
    return this.files.get(full)?.state ?? 'new';
  }

  started(full: string, size: number, original: string): void {
    this.files.set(full, { state: 'writing', written: 0, size, original });
  }

  skipped(full: string, size: number, original: string): void {
    this.files.set(full, { state: 'skipped', written: 0, size, original });
  }

  failed(full: string): void {
    const file = this.files.get(full);
    if (file !== undefined) file.state = 'failed';
  }

  /** Counts a piece in; true when the file is whole. */
  wrote(full: string, bytes: number): boolean {
    const file = this.files.get(full);
    if (file === undefined) return false;
    file.written += bytes;
    return file.written >= file.size;
  }

  /** Files some of whose pieces never came (their part was not restored): written so far, of their size. */
  unfinished(): { readonly full: string; readonly original: string; readonly written: number; readonly size: number }[] {
    return [...this.files.entries()]
      .filter(([, f]) => f.state === 'writing' && f.written < f.size)
      .map(([full, f]) => ({ full, original: f.original, written: f.written, size: f.size }));
  }
}

export type PieceCopy = { readonly _tag: 'copied'; readonly digest: string } | { readonly _tag: 'short' };

/**
 * Copies a piece (`length` bytes at `offset` of the segment) into the target file at
 * `fileOffset`, hashing it on the way. Pieces are few (at most one per tape change), so
 * a plain read-hash-write loop, buffered (a piece need not start on a direct-I/O boundary).
 */
export const copyPiece = async (from: SegmentSource, offset: number, length: number, to: number, fileOffset: number, contentKey: Buffer | undefined): Promise<PieceCopy> => {
  const hash = contentHasher(contentKey);
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, length)));
  for (let at = 0; at < length; ) {
    const want = Math.min(buffer.length, length - at);
    const n = await from.read(buffer, 0, want, offset + at);
    if (n < want) return { _tag: 'short' };
    const data = buffer.subarray(0, n);
    hash.update(data);
    for (let done = 0; done < n; ) done += fs.writeSync(to, data, done, n - done, fileOffset + at + done);
    at += n;
  }
  return { _tag: 'copied', digest: hash.digest('hex') };
};
