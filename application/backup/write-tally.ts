import type { ArchivedEntry } from '../../domain/events';
import type { Part } from './parts';

/**
 * What pass 2 has done so far, over every part of the job: the progress bar's figures
 * and the counts the job's outcome reports. One place for the counting rules: a file
 * split across tapes counts once, in the part that holds its first byte; a hard link's
 * bytes count with its first name.
 */
export class WriteTally {
  /** Entries whose last piece is placed (or that ended in a warning). */
  entriesDone = 0;
  filesDone = 0;
  bytesDone = 0;
  /** Segment bytes on tape, and closed segments. */
  bytesWritten = 0;
  segments = 0;
  /** Warnings as the user reads them (paths and reasons in the clear). */
  readonly warnings: { path: string; reason: string }[] = [];

  /** `notArchived`: what the scan could not stat or list is not on the tape either. */
  constructor(public notArchived: number) {}

  /** A file (or a piece of one) was placed in `part`. */
  fileArchived(part: Part, entry: ArchivedEntry): void {
    const counts = entry.extent === undefined || entry.extent.offset === 0;
    if (counts) part.totals.files += 1;
    const bytes = entry.link === undefined ? entry.size : 0;
    part.totals.bytesRead += bytes;
    if (counts) this.filesDone += 1;
    this.bytesDone += bytes;
  }

  /** A segment of `bytes` was closed in `part`. */
  segmentClosed(part: Part, bytes: number): void {
    part.totals.bytesWritten += bytes;
    this.bytesWritten += bytes;
    this.segments += 1;
  }
}
