/**
 * Worker thread: writes restored small files with plain synchronous system calls (the
 * way tar does), so creating files runs on both cores and costs the main thread no
 * round trip per call. The data sits in the shared memory given at start; each file's
 * hash is checked here before anything is created, and the file is written under its
 * temporary name (part-file.ts) and renamed into place whole, so a damaged or partial
 * file never appears under a final name. A file already there is compared, not
 * replaced (unless the batch says overwrite): equal is 'skipped', else 'differs'.
 *
 * In:  a WriteBatch (file-writers.ts), one message per batch, answered in order.
 * Out: the batch's misses, `[index, outcome, reason][]` (outcome 'skipped' | 'differs' | 'corrupted' | 'failed'); empty when all were written.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { contentHasher, contentKeyOf } from '../segment/content-hash';
import { errnoCode, errorMessage } from '../errno';
import { contentDiffers, hashFileSync, judge, kept, lookAt, type Found } from './existing-file';
import { COLUMNS, HASH_BYTES, PATH_SEPARATOR, type WriteMiss, type WriteReply } from './file-writers';
import { createPart, installPart, partPath, removePart } from './part-file';
import { nativeFileMeta } from '../meta/native-file-meta';

const contentKey = contentKeyOf(workerData);
const exactTimes = nativeFileMeta?.futimens;
const data: object = typeof workerData === 'object' && workerData !== null ? workerData : {};
const memory = 'memory' in data && data.memory instanceof SharedArrayBuffer ? Buffer.from(data.memory) : Buffer.alloc(0);
/** The temporary names' tag (part-file.ts); `quick`: an existing file is judged by size and time alone. */
const tag = 'tag' in data && typeof data.tag === 'string' ? data.tag : '00000000';
const quick = 'quick' in data && data.quick === true;

const failed = (index: number, error: unknown): WriteMiss => [index, 'failed', `${errnoCode(error)}: ${errorMessage(error)}`];

/** Writes file `index` of a batch; undefined when it was written. Allocates little: 100,000 files go through here. */
const writeOne = (index: number, path: string, numbers: Float64Array, hashes: Buffer, overwrite: boolean): WriteMiss | undefined => {
  const at = index * COLUMNS;
  const mode = numbers[at]!;
  const mtime = numbers[at + 1]!;
  const start = numbers[at + 2]!;
  const length = numbers[at + 3]!;
  if (start + length > memory.length) return [index, 'failed', 'batch does not decode'];
  let found: Found;
  try {
    found = lookAt(path);
  } catch (error) {
    return failed(index, error);
  }
  // A folder is never replaced by a file, even with overwrite.
  if (kept(found, overwrite)) return keep(index, path, found, numbers, hashes);
  const bytes = memory.subarray(start, start + length);
  const digest = contentHasher(contentKey).update(bytes).digest();
  if (hashes.compare(digest, 0, HASH_BYTES, index * HASH_BYTES, (index + 1) * HASH_BYTES) !== 0) return [index, 'corrupted', ''];
  const part = partPath(path, tag);
  let fd: number;
  try {
    fd = createPart(part);
  } catch (error) {
    return failed(index, error);
  }
  try {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    fs.fchmodSync(fd, mode);
    // To the nanosecond, before 1970 too, through the descriptor where the addon is
    // (futimes takes microseconds at best, and a negative time as "now").
    if (exactTimes !== undefined) exactTimes(fd, BigInt(numbers[at + 5]!), numbers[at + 6]!);
    else fs.futimesSync(fd, mtime, mtime);
    // The rename replaces a file of the user's: the new one must be on disk first, or a
    // power cut could leave neither. (A new name replaces nothing: no fsync, as tar.)
    if (found._tag !== 'absent') fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    installPart(part, path);
    return undefined;
  } catch (error) {
    if (fd >= 0) fs.closeSync(fd);
    try {
      removePart(part);
    } catch {
      // Reported below; the name stays recognisable and the next restore removes it.
    }
    return failed(index, error);
  }
};

/** A file already there, kept: a crash's leftover temporary file of it goes, and it is compared with the tape's. */
const keep = (index: number, path: string, found: Found, numbers: Float64Array, hashes: Buffer): WriteMiss => {
  const at = index * COLUMNS;
  try {
    removePart(partPath(path, tag));
    const verdict = judge(found, { size: numbers[at + 3]!, mtimeUs: BigInt(numbers[at + 4]!) }, quick);
    if (verdict._tag === 'differs') return [index, 'differs', verdict.reason];
    if (verdict._tag === 'hash' && hashFileSync(path, contentKey) !== hashes.toString('hex', index * HASH_BYTES, (index + 1) * HASH_BYTES)) {
      return [index, 'differs', contentDiffers(contentKey)];
    }
    return [index, 'skipped', 'already there, equal to the tape'];
  } catch (error) {
    return failed(index, error);
  }
};

parentPort?.on('message', (m: unknown) => {
  const batch = typeof m === 'object' && m !== null && 'paths' in m && 'numbers' in m && 'hashes' in m && 'overwrite' in m ? m : undefined;
  const { paths, numbers, hashes, overwrite } = batch ?? {};
  if (typeof paths !== 'string' || !(numbers instanceof Float64Array) || !(hashes instanceof Uint8Array) || typeof overwrite !== 'boolean') {
    parentPort?.postMessage({ error: 'batch does not decode' } satisfies WriteReply);
    return;
  }
  const list = paths.split(PATH_SEPARATOR);
  if (numbers.length !== list.length * COLUMNS || hashes.length !== list.length * HASH_BYTES) {
    parentPort?.postMessage({ error: 'batch does not decode' } satisfies WriteReply);
    return;
  }
  const hashBytes = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength);
  const misses: WriteMiss[] = [];
  list.forEach((path, i) => {
    const miss = writeOne(i, path, numbers, hashBytes, overwrite);
    if (miss !== undefined) misses.push(miss);
  });
  parentPort?.postMessage(misses satisfies WriteReply);
});
