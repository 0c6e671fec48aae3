import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeQuietly, fileFailure, fsyncDirectory, writeAll, type FileFailure } from '../journal/durable-file';
import type { SegmentKeys } from '../restore/segment-source';
import { checkSegment, type SegmentCheck, type SegmentExpectation } from '../verify/segment-check';

export type SegmentCopy =
  /** Every byte copied, the segment's SHA-256 and every file's hash as recorded: the copy is on disk (fsynced). */
  | { readonly _tag: 'Copied'; readonly check: SegmentCheck }
  /** The source is not what was recorded: nothing is left at the destination. */
  | { readonly _tag: 'Damaged'; readonly check: SegmentCheck }
  /** Writing the copy failed: nothing is left at the destination. */
  | { readonly _tag: 'WriteFailed'; readonly path: string; readonly failure: FileFailure };

/**
 * Copies one segment file in one sequential read and one sequential write, checking it
 * on the way as `lto verify` does (whole SHA-256, every file's hash, the tar structure or
 * every chunk's tag): each block read is hashed and written. A copy that does not check
 * out, or cannot be written whole, is removed: the destination never keeps what it could
 * not verify. `keys`: an encrypted segment's keys (its ciphertext is copied as it is).
 */
export const copySegment = (expected: SegmentExpectation, to: string, keys: SegmentKeys | undefined, onRead?: (bytes: number) => void): SegmentCopy => {
  let fd: number;
  try {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fd = fs.openSync(to, 'wx');
  } catch (error) {
    return { _tag: 'WriteFailed', path: to, failure: fileFailure(error) };
  }
  let failure: FileFailure | undefined;
  const tee = (bytes: Buffer): void => {
    if (failure !== undefined) return;
    try {
      writeAll(fd, bytes);
    } catch (error) {
      failure = fileFailure(error);
    }
  };
  const check = checkSegment(expected, 'full', keys, onRead, tee);
  if (failure === undefined && check.status === 'PASSED') {
    try {
      fs.fsyncSync(fd);
    } catch (error) {
      failure = fileFailure(error);
    }
  }
  closeQuietly(fd);
  if (failure === undefined && check.status === 'PASSED') {
    fsyncDirectory(path.dirname(to));
    return { _tag: 'Copied', check };
  }
  removeQuietly(to);
  return failure === undefined ? { _tag: 'Damaged', check } : { _tag: 'WriteFailed', path: to, failure };
};

/** A copy that did not check out is ours to remove (it never was anyone's file). */
export const removeQuietly = (file: string): void => {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Left behind, it is claimed by no event: a later copy writes under a new job's folder.
  }
};

/** A folder the copy made and left empty (its first segment did not check out). */
export const removeEmptyFolder = (folder: string): void => {
  try {
    fs.rmdirSync(folder);
  } catch {
    // Not empty, or never made: nothing to tidy.
  }
};
