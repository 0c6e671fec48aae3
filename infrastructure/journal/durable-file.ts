import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode, errorMessage, isReadOnlyError } from '../errno';

/** A failed file-system call, with what the errno means for a tape. */
export interface FileFailure {
  readonly code: string;
  readonly message: string;
  /** EROFS, EACCES, EPERM: a write-protected cartridge, a read-only mount, an immutable file. */
  readonly readOnly: boolean;
  /** ENOSPC: the tape (or its reserve) is full. */
  readonly full: boolean;
}

export const fileFailure = (error: unknown): FileFailure => ({
  code: errnoCode(error),
  message: errorMessage(error),
  readOnly: isReadOnlyError(error),
  full: errnoCode(error) === 'ENOSPC',
});

export const closeQuietly = (fd: number): void => {
  try {
    fs.closeSync(fd);
  } catch {
    // Nothing was left to flush: every write path fsyncs before it closes.
  }
};

/** Writes all of `bytes` (looping over short writes), at the end when `fd` was opened to append. */
export const writeAll = (fd: number, bytes: Buffer): void => {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, null);
};

/**
 * Makes a new name in `dir` durable (fsync of the directory). Best effort: some
 * platforms (Windows) cannot open a directory, and LTFS makes names durable only
 * at its next index sync anyway.
 */
export const fsyncDirectory = (dir: string): void => {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // See above: not every platform can fsync a directory.
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
};

export const parentOf = (file: string): string => path.dirname(path.resolve(file));
