import * as fs from 'node:fs';
import { isErrno } from '../errno';

const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;

/**
 * Creates a restored file exclusively: O_EXCL never follows a link, so nothing is ever
 * written through one. With `overwrite` an existing file or link is removed first; a
 * folder stays ('exists'). Other failures are thrown (the caller reports them).
 * Shared by the main thread (large files) and the writer threads (small ones).
 */
export const createExclusive = (path: string, overwrite: boolean): number | 'exists' => {
  try {
    return fs.openSync(path, CREATE, 0o600);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    if (!overwrite || fs.lstatSync(path).isDirectory()) return 'exists';
  }
  fs.unlinkSync(path);
  return fs.openSync(path, CREATE, 0o600);
};
