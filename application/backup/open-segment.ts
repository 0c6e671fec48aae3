import * as E from 'fp-ts/Either';
import type { ArchivedEntry } from '../../domain/events';
import { SegmentWriter } from '../../infrastructure/segment';
import { protectClosedSegment } from '../../infrastructure/segment/protect-segment';
import { segmentPath } from '../../infrastructure/tape/layout';
import type { App } from '../app';
import type { AppError } from '../errors';
import { describeSegmentFailure } from './add-entry';
import type { Part } from './parts';
import type { WriteTally } from './write-tally';

/**
 * The segment being written in the current part, and the entries placed in it: opened
 * for the first entry, closed at the size target, a tape's end or the job's, and only
 * then recorded (CloseSegment names every entry with its offset), so the journal never
 * points at bytes that are not on the tape.
 */
export class OpenSegment {
  private writer: SegmentWriter | undefined;
  private entries: ArchivedEntry[] = [];

  constructor(
    private readonly app: App,
    /** Told as a large file's chunks are read (progress within a file). */
    private readonly onLargeChunk: () => void,
  ) {}

  /** The writer, when a segment is open. */
  get current(): SegmentWriter | undefined {
    return this.writer;
  }

  /** Entries placed in the open segment. */
  get placed(): number {
    return this.entries.length;
  }

  /** Bytes placed in the open segment and not yet handed to the file system. */
  get unwritten(): number {
    return this.writer === undefined ? 0 : this.writer.position - this.writer.bytesWritten;
  }

  /** Bytes of the large file being read so far (progress within a file). */
  get largeFileBytes(): number {
    return this.writer?.largeFileBytes ?? 0;
  }

  /** The open segment, or the next segment of `part` opened; why not, as the user reads it. */
  openIn(part: Part): E.Either<string, SegmentWriter> {
    if (this.writer !== undefined) return E.right(this.writer);
    part.segment += 1;
    const opened = SegmentWriter.open(segmentPath(part.session.mount, part.recorder.job, part.segment), {}, part.encryption);
    if (E.isLeft(opened)) return E.left(describeSegmentFailure(opened.left));
    this.writer = opened.right;
    this.writer.onLargeChunk = this.onLargeChunk;
    return E.right(this.writer);
  }

  archived(entry: ArchivedEntry): void {
    this.entries.push(entry);
  }

  /**
   * Closes the open segment (if any) and records it in `part`: Right(undefined) when done
   * or none was open, Right(reason) when the segment could not be closed (nothing recorded).
   */
  async close(part: Part, tally: WriteTally): Promise<E.Either<AppError, string | undefined>> {
    const writer = this.writer;
    if (writer === undefined) return E.right(undefined);
    const closed = await writer.close();
    this.writer = undefined;
    if (E.isLeft(closed)) return E.right(describeSegmentFailure(closed.left));
    const job = part.recorder.job;
    protectClosedSegment(part.session.mount, job, part.segment);
    this.app.crashPoint('segment-closed');
    tally.segmentClosed(part, closed.right.bytes);
    const { bytes, sha256, plainBytes, chunkBytes } = closed.right;
    const entries = this.entries;
    this.entries = [];
    const recorded = await part.recorder.record({ type: 'CloseSegment', job, segment: part.segment, bytes, sha256, plainBytes, chunkBytes, entries });
    if (E.isLeft(recorded)) return recorded;
    this.app.crashPoint('after-segment-recorded');
    return E.right(undefined);
  }

  /** Stops after a fatal error: the partial segment stays unrecorded. */
  async abort(): Promise<void> {
    await this.writer?.abort();
  }
}
