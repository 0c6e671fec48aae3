import * as E from 'fp-ts/Either';
import type { ChunkFeed } from './chunk-feed';
import type { LargeFileReader, StreamEnd } from './large-file-reader';
import type { SegmentError, SourceProblem } from './segment-errors';
import type { ArchivedFile, ExpectedSource, FilePiece } from './segment-writer';
import { dataPadding, encodeHeader, paddedSize, type TarEntry } from './tar-header';

/** What streaming a large file needs of the segment writer. */
export interface LargeFileCopy extends ChunkFeed {
  readonly streamer: LargeFileReader;
  /** Places the header and reserves the data's room; undefined once the writer failed. */
  readonly placeThenSkip: (header: Buffer, skip: number) => Promise<number | undefined>;
  /** A chunk of `length` bytes was read (progress within the file). */
  readonly progress: (length: number) => void;
  /** Time spent waiting for a free chunk buffer. */
  readonly waited: (ms: number) => void;
  /** The writer's failure, if it failed. */
  readonly failure: () => SegmentError | undefined;
  /** The writer's failure, or SegmentClosed. */
  readonly failed: () => SegmentError;
}

/**
 * Copies a large file through the stream thread (which reads and hashes each chunk):
 * free chunk buffers go to it as they come back from the writer; the header is placed
 * when the first chunk arrives (a file unreadable from the start places nothing).
 */
export const streamLargeFile = (
  copy: LargeFileCopy,
  entry: TarEntry,
  sourcePath: string,
  expected: ExpectedSource,
  piece: FilePiece | undefined,
): Promise<E.Either<SourceProblem | SegmentError, ArchivedFile>> => {
  const { memory, chunks, streamer } = copy;
  const size = piece === undefined ? expected.size : piece.length;
  const header = encodeHeader(entry);
  return new Promise((resolve) => {
    let at: number | undefined;
    let placing = false;
    let placeFailed = false;
    let ended: StreamEnd | undefined;
    let feeding = true;
    const early: Array<readonly [number, number, number]> = [];
    const submitChunk = (start: number, length: number, position: number, headerAt: number): void => {
      const padding = position + length === size ? dataPadding(size) : 0;
      if (padding > 0) memory.fill(0, start + length, start + length + padding);
      copy.submit({ start, length: length + padding, offset: headerAt + header.length + position, pool: chunks, pending: 2 });
    };
    const finish = (): void => {
      if (ended === undefined || placing) return;
      const end = ended;
      const failure = copy.failure();
      if (!end.sentAny) {
        if (failure !== undefined) return resolve(E.left(failure));
        const nothingRead: StreamEnd['error'] = { op: 'read', code: 'EIO', message: 'nothing read' };
        const error = end.error ?? nothingRead;
        return resolve(E.left({ _tag: 'SourceUnreadable', path: sourcePath, ...error, partial: false }));
      }
      if (at === undefined || placeFailed || failure !== undefined) return resolve(E.left(copy.failed()));
      if (end.error !== undefined) return resolve(E.left({ _tag: 'SourceUnreadable', path: sourcePath, ...end.error, partial: true }));
      resolve(E.right({ headerOffset: at, dataOffset: at + header.length, length: size, sha256: end.sha256, changedWhileRead: end.changed }));
    };
    const place = (): void => {
      placing = true;
      void copy.placeThenSkip(header, paddedSize(size)).then((placedAt) => {
        placing = false;
        if (placedAt === undefined) {
          placeFailed = true;
          for (const [start] of early.splice(0)) chunks.release(start);
        } else {
          at = placedAt;
          for (const [start, length, position] of early.splice(0)) submitChunk(start, length, position, placedAt);
        }
        finish();
      });
    };
    const handlers = {
      chunk: (start: number, length: number, position: number): void => {
        copy.progress(length);
        if (at !== undefined) return submitChunk(start, length, position, at);
        if (placeFailed) return chunks.release(start);
        early.push([start, length, position]);
        if (!placing) place();
      },
      end: (end: StreamEnd): void => {
        ended = end;
        feeding = false;
        finish();
      },
    };
    const started = streamer.start(sourcePath, size, expected.mtimeNs, copy.chunkBytes, handlers, piece?.from ?? 0, expected.size);
    if (!started) return resolve(E.left(copy.failed()));
    const feed = async (): Promise<void> => {
      while (feeding) {
        const acquired = chunks.acquire();
        const waitFrom = performance.now();
        const slot = typeof acquired === 'number' ? acquired : await acquired;
        if (typeof acquired !== 'number') copy.waited(performance.now() - waitFrom);
        if (slot === undefined) return;
        if (!feeding) return chunks.release(slot);
        streamer.give([slot]);
      }
    };
    void feed();
  });
};
