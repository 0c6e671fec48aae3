import { errnoCode, errorMessage } from '../errno';
import { fileFailure, type FileFailure } from '../journal/durable-file';

/** What went wrong with a segment file itself (never with an archived source file). */
export type SegmentError =
  /** The file system refused a write to the segment: see `readOnly` (write-protected) and `full` (ENOSPC). */
  | ({
      readonly _tag: 'SegmentWriteFailed';
      readonly path: string;
      /** `hash`, `read-worker`: a helper thread of the writer failed. */
      readonly op: 'mkdir' | 'open' | 'write' | 'fsync' | 'close' | 'hash' | 'read-worker';
    } & FileFailure)
  /** The segment could not be opened or read. */
  | ({ readonly _tag: 'SegmentReadFailed'; readonly path: string; readonly op: 'open' | 'stat' | 'read' } & FileFailure)
  /** A read asked for bytes past the end of the segment: it was cut short. */
  | {
      readonly _tag: 'SegmentTruncated';
      readonly path: string;
      readonly offset: number;
      readonly length: number;
      /** The segment's size when the read found it short. */
      readonly size: number;
    }
  /** An entry that cannot be written so that it reads back (nothing was written). */
  | { readonly _tag: 'SegmentEntryInvalid'; readonly path: string; readonly entryPath: string; readonly reason: string }
  /** The writer or reader was used after close() or abort(). */
  | { readonly _tag: 'SegmentClosed'; readonly path: string };

/**
 * A source file that could not be archived. Nothing of it is in the segment unless
 * `partial`: then its header and the bytes read before the failure are, padded with
 * zeros to the announced size so the tar stays valid; the caller records a warning and
 * does not catalogue the file.
 */
export interface SourceProblem {
  readonly _tag: 'SourceUnreadable';
  /** The source path given to addFile. */
  readonly path: string;
  readonly op: 'open' | 'read' | 'stat';
  /** The errno code (EACCES, ENOENT, EISDIR, EIO...), or ENOTREG for something that is not a regular file. */
  readonly code: string;
  readonly message: string;
  readonly partial: boolean;
}

export const segmentWriteFailed = (
  path: string,
  op: 'mkdir' | 'open' | 'write' | 'fsync' | 'close' | 'hash' | 'read-worker',
  error: unknown,
): SegmentError => ({
  _tag: 'SegmentWriteFailed',
  path,
  op,
  ...fileFailure(error),
});

export const segmentReadFailed = (path: string, op: 'open' | 'stat' | 'read', error: unknown): SegmentError => ({
  _tag: 'SegmentReadFailed',
  path,
  op,
  ...fileFailure(error),
});

export const sourceUnreadable = (path: string, op: 'open' | 'read' | 'stat', error: unknown, partial: boolean): SourceProblem => ({
  _tag: 'SourceUnreadable',
  path,
  op,
  code: errnoCode(error),
  message: errorMessage(error),
  partial,
});

/** A one-line description of a segment error, for logs and warnings. */
export const describeSegmentError = (error: SegmentError): string => {
  switch (error._tag) {
    case 'SegmentWriteFailed':
      return `cannot ${error.op} segment ${error.path} (${error.code}): ${error.message}`;
    case 'SegmentReadFailed':
      return `cannot ${error.op} segment ${error.path} (${error.code}): ${error.message}`;
    case 'SegmentTruncated':
      return `segment ${error.path} is ${error.size} bytes: it ends before ${error.offset + error.length} (truncated)`;
    case 'SegmentEntryInvalid':
      return `cannot archive ${JSON.stringify(error.entryPath)}: ${error.reason}`;
    case 'SegmentClosed':
      return `segment ${error.path} is already closed`;
  }
};
