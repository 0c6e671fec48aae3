import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { errnoCode, errorMessage } from '../errno';
import { contentHasher } from '../segment/content-hash';
import { osPath } from '../os-path';

const BUFFER = Buffer.allocUnsafe(1024 * 1024);

/** The content hash of a file as it is now (for `--checksum`; keyed on an encrypted tape), or why it could not be read. */
export const hashFile = (path: string, contentKey?: Buffer): E.Either<string, string> => {
  let fd: number | undefined;
  try {
    fd = fs.openSync(osPath(path), 'r');
    const hash = contentHasher(contentKey);
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
