/**
 * Worker thread: writes restored small files with plain synchronous system calls (the
 * way tar does), so creating files runs on both cores and costs the main thread no
 * round trip per call. The data sits in the shared memory given at start; each file's
 * hash is checked here before the file is created, so a damaged file is never written.
 *
 * In:  a WriteBatch (file-writers.ts), one message per batch, answered in order.
 * Out: the batch's misses, `[index, outcome, reason][]` (outcome 'skipped' | 'corrupted' | 'failed'); empty when all were written.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { contentHasher, contentKeyOf } from '../segment/content-hash';
import { errnoCode, errorMessage } from '../errno';
import { createExclusive } from './create-exclusive';
import { HASH_BYTES, type WriteMiss } from './file-writers';

const contentKey = contentKeyOf(workerData);
const memory =
  typeof workerData === 'object' && workerData !== null && 'memory' in workerData && workerData.memory instanceof SharedArrayBuffer ? Buffer.from(workerData.memory) : Buffer.alloc(0);

/** Writes file `index` of a batch; undefined when it was written. Allocates little: 100,000 files go through here. */
const writeOne = (index: number, path: string, numbers: Float64Array, hashes: Buffer, overwrite: boolean): WriteMiss | undefined => {
  const at = index * 4;
  const mode = numbers[at]!;
  const mtime = numbers[at + 1]!;
  const start = numbers[at + 2]!;
  const length = numbers[at + 3]!;
  if (start + length > memory.length) return [index, 'failed', 'batch does not decode'];
  const bytes = memory.subarray(start, start + length);
  const digest = contentHasher(contentKey).update(bytes).digest();
  if (hashes.compare(digest, 0, HASH_BYTES, index * HASH_BYTES, (index + 1) * HASH_BYTES) !== 0) return [index, 'corrupted', ''];
  let fd: number | 'exists';
  try {
    fd = createExclusive(path, overwrite);
  } catch (error) {
    return [index, 'failed', `${errnoCode(error)}: ${errorMessage(error)}`];
  }
  if (fd === 'exists') return [index, 'skipped', 'already there'];
  try {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    fs.fchmodSync(fd, mode);
    fs.futimesSync(fd, mtime, mtime);
    fs.closeSync(fd);
    return undefined;
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(path, { force: true });
    return [index, 'failed', `${errnoCode(error)}: ${errorMessage(error)}`];
  }
};

parentPort?.on('message', (m: unknown) => {
  const batch = typeof m === 'object' && m !== null && 'paths' in m && 'numbers' in m && 'hashes' in m && 'overwrite' in m ? m : undefined;
  const { paths, numbers, hashes, overwrite } = batch ?? {};
  if (typeof paths !== 'string' || !(numbers instanceof Float64Array) || !(hashes instanceof Uint8Array) || typeof overwrite !== 'boolean') {
    parentPort?.postMessage({ error: 'batch does not decode' });
    return;
  }
  const list = paths.split('\0');
  if (numbers.length !== list.length * 4 || hashes.length !== list.length * HASH_BYTES) {
    parentPort?.postMessage({ error: 'batch does not decode' });
    return;
  }
  const hashBytes = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength);
  const misses: WriteMiss[] = [];
  list.forEach((path, i) => {
    const miss = writeOne(i, path, numbers, hashBytes, overwrite);
    if (miss !== undefined) misses.push(miss);
  });
  parentPort?.postMessage(misses);
});
