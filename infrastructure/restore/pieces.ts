import * as fs from 'node:fs';
import { contentHasher } from '../segment/content-hash';
import type { SegmentSource } from './segment-source';

const CHUNK = 4 * 1024 * 1024;

/** A split file's state in a restore: being written (under its temporary name), being compared with the one already there, or settled. */
export type PieceState = 'new' | 'writing' | 'comparing' | 'settled';

interface PieceFile {
  state: Exclude<PieceState, 'new'>;
  /** Bytes written (or compared equal) so far. */
  done: number;
  readonly size: number;
  readonly original: string;
  /** The temporary file its pieces go to (part-file.ts), while writing. */
  readonly part: string | undefined;
}

/**
 * The files a restore rebuilds from pieces (a file split across tapes by a spanning
 * backup), across the passes of one restore: which it writes (under a temporary name,
 * renamed into place once all its bytes are in), which it compares piece by piece with
 * a file already there, and which are settled (kept, failed, or done): their other
 * pieces are then not read.
 */
export class PieceLedger {
  private readonly files = new Map<string, PieceFile>();

  state(full: string): PieceState {
    return this.files.get(full)?.state ?? 'new';
  }

  /** The temporary file of a file being written. */
  part(full: string): string | undefined {
    return this.files.get(full)?.part;
  }

  started(full: string, size: number, original: string, part: string): void {
    this.files.set(full, { state: 'writing', done: 0, size, original, part });
  }

  comparing(full: string, size: number, original: string): void {
    this.files.set(full, { state: 'comparing', done: 0, size, original, part: undefined });
  }

  /** Kept, failed or whole: nothing more of it is written or compared. */
  settled(full: string, size = 0, original = full): void {
    const file = this.files.get(full);
    if (file === undefined) this.files.set(full, { state: 'settled', done: 0, size, original, part: undefined });
    else file.state = 'settled';
  }

  /** Counts a piece in (written, or compared equal); true when the file is whole. */
  wrote(full: string, bytes: number): boolean {
    const file = this.files.get(full);
    if (file === undefined) return false;
    file.done += bytes;
    return file.done >= file.size;
  }

  /** Files some of whose pieces never came (their part was not restored): done so far, of their size. */
  unfinished(): { readonly full: string; readonly original: string; readonly done: number; readonly size: number; readonly part: string | undefined }[] {
    return [...this.files.entries()]
      .filter(([, f]) => f.state !== 'settled' && f.done < f.size)
      .map(([full, f]) => ({ full, original: f.original, done: f.done, size: f.size, part: f.part }));
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
