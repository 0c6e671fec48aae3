import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isErrno } from '../errno';
import { osPath } from '../os-path';
import { nameByteLength } from '../../domain/name-bytes';

/**
 * A file being restored is written under a temporary name in its own folder and renamed
 * into place only once its hash is checked and its mode and times are set, so a final
 * name never holds a partial or unverified file (a crash leaves only these names).
 *
 * The name: `.<name>.lto-part-<tag>`, where `<tag>` is 8 hex digits of the backup job
 * the restore is as of; when that would pass 255 bytes, `.<16 hex digits of the name's
 * SHA-256>.lto-part-<tag>`. A later restore of the same job into the same folder writes
 * the same names, so it removes what a crash left of the files it writes again.
 */
export const PART_NAME = /^\.(.+)\.lto-part-([0-9a-f]{8})$/;

const NAME_MAX = 255;
const SUFFIX = '.lto-part-';

/** The tag of a job id (a UUID): its last 8 hex digits, as the CLI shows a job's short id. */
export const partTag = (jobId: string): string => jobId.replace(/-/g, '').slice(-8).toLowerCase();

/** The temporary name of `full` (a path under the target). */
export const partPath = (full: string, tag: string): string => {
  // A restored path is built joined and checked (restore-path.ts): its folder is the text
  // before its last '/', as is. Cut there instead of path.basename/dirname/join, whose
  // normalising of every path cost a writer thread 3-6 µs a file (100,000 small files).
  const cut = full.lastIndexOf('/');
  const plain = cut >= 0 && cut < full.length - 1;
  const name = plain ? full.slice(cut + 1) : path.basename(full);
  // At most 3 UTF-8 bytes per UTF-16 unit (an escaped byte, NUL hh, is 3 units for 1 byte): a short name needs no count.
  const fits = name.length * 3 <= NAME_MAX - 1 - SUFFIX.length - tag.length || nameByteLength(name) + 1 + SUFFIX.length + tag.length <= NAME_MAX;
  const stem = fits ? name : createHash('sha256').update(name).digest('hex').slice(0, 16);
  const part = `.${stem}${SUFFIX}${tag}`;
  return plain ? `${full.slice(0, cut + 1)}${part}` : path.join(path.dirname(full), part);
};

const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;

/**
 * Creates the temporary file exclusively (O_EXCL never follows a link). One already
 * there under that name is what a crashed restore of the same job left: it is removed
 * and the file created anew. A folder under that name is not ours: thrown (reported).
 */
export const createPart = (part: string): number => {
  try {
    return fs.openSync(osPath(part), CREATE, 0o600);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
  fs.unlinkSync(osPath(part));
  return fs.openSync(osPath(part), CREATE, 0o600);
};

/** Removes a temporary file (a crash's leftover, or a file that failed its check); nothing when there is none. */
export const removePart = (part: string): void => {
  try {
    fs.unlinkSync(osPath(part));
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
};

/**
 * Puts a checked temporary file in place: rename(2) replaces the final name in one step
 * (an existing file there stays whole until then) and never follows a link there.
 */
export const installPart = (part: string, full: string): void => fs.renameSync(osPath(part), osPath(full));
