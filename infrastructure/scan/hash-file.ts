import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { errnoCode, errorMessage } from '../errno';

const BUFFER = Buffer.allocUnsafe(1024 * 1024);

/** SHA-256 of a file's current content (for `--checksum`), or why it could not be read. */
export const hashFile = (path: string): E.Either<string, string> => {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    const hash = createHash('sha256');
    for (;;) {
      const n = fs.readSync(fd, BUFFER, 0, BUFFER.length, null);
      if (n === 0) break;
      hash.update(BUFFER.subarray(0, n));
    }
    return E.right(hash.digest('hex'));
  } catch (error) {
    return E.left(`cannot read (${errnoCode(error)}): ${errorMessage(error)}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
};
