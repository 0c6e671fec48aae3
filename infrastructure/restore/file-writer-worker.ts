/**
 * Worker thread: writes restored small files with plain synchronous system calls (the
 * way tar does), so creating files runs on both cores and costs the main thread no
 * round trip per call. The data sits in a shared window buffer; each file's SHA-256 is
 * checked here before the file is created, so a damaged file is never written.
 *
 * In:  `{ data: SharedArrayBuffer, jobs: Job[] }`, Job = [id, path, mode, mtimeSeconds, start, length, sha256, overwrite]
 * Out: `{ done: Done[] }`, Done = [id, outcome, reason], outcome 'ok' | 'skipped' | 'corrupted' | 'failed'
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { contentHasher, contentKeyOf } from '../segment/content-hash';
import { errnoCode, errorMessage } from '../errno';
import { createExclusive } from './create-exclusive';

const contentKey = contentKeyOf(workerData);

type Job = readonly [number, string, number, number, number, number, string, boolean];
type Done = readonly [number, 'ok' | 'skipped' | 'corrupted' | 'failed', string];

const isJob = (j: unknown): j is Job => Array.isArray(j) && j.length === 8 && typeof j[0] === 'number' && typeof j[1] === 'string';


const writeOne = (data: Buffer, job: Job): Done => {
  const [id, path, mode, mtime, start, length, sha256, overwrite] = job;
  const bytes = data.subarray(start, start + length);
  if (contentHasher(contentKey).update(bytes).digest('hex') !== sha256) return [id, 'corrupted', ''];
  let fd: number | 'exists';
  try {
    fd = createExclusive(path, overwrite);
  } catch (error) {
    return [id, 'failed', `${errnoCode(error)}: ${errorMessage(error)}`];
  }
  if (fd === 'exists') return [id, 'skipped', 'already there'];
  try {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    fs.fchmodSync(fd, mode);
    fs.futimesSync(fd, mtime, mtime);
    fs.closeSync(fd);
    return [id, 'ok', ''];
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(path, { force: true });
    return [id, 'failed', `${errnoCode(error)}: ${errorMessage(error)}`];
  }
};

parentPort?.on('message', (m: unknown) => {
  if (typeof m !== 'object' || m === null || !('data' in m) || !(m.data instanceof SharedArrayBuffer) || !('jobs' in m) || !Array.isArray(m.jobs)) return;
  const data = Buffer.from(m.data);
  parentPort?.postMessage({ done: m.jobs.filter(isJob).map((job) => writeOne(data, job)) });
});
