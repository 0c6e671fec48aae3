/**
 * Worker thread: reads small source files whole into slots of the writer's shared memory
 * and hashes them, with plain synchronous system calls (open, read, fstat, close), the way
 * tar does. A small file then costs no thread-pool round trip per call; requests and
 * answers travel in batches. Runs only under the segment writer (see small-file-readers).
 *
 * In:  `{ jobs: Job[] }`, Job = [id, path, size, mtimeNs, slotStart]
 * Out: `{ done: Done[] }`, Done = [id, got, sha256, changed, errorOp, errorCode, errorMessage]
 *      (errorOp '' when the file was read; then `got` bytes are in the slot, `size + 1`
 *      meaning it grew).
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ReadRequest, type ReadAnswer, type ReadJob } from './small-file-readers';
import { contentHasher, contentKeyOf } from './content-hash';
import { osPath } from '../os-path';

const contentKey = contentKeyOf(workerData);

type Job = ReadJob;
type Done = ReadAnswer;

const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
/** Answers go back at least this often while a long queue is worked through. */
const ANSWER_EVERY = 32;

const codeOf = (error: unknown): string => (error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'EUNKNOWN');
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const readOne = (memory: Buffer, job: Job): Done => {
  const [id, file, size, mtimeNs, start] = job;
  let fd: number;
  try {
    fd = fs.openSync(osPath(file), fs.constants.O_RDONLY | O_NONBLOCK);
  } catch (error) {
    return [id, 0, '', false, 'open', codeOf(error), messageOf(error)];
  }
  try {
    // One byte more than announced tells a file that grew; it also makes a directory say EISDIR.
    // A read that stops at exactly the announced size is not followed by one more to see the
    // end (tar makes none either): the fstat below tells a file that grew since.
    const want = size + 1;
    let got = 0;
    try {
      while (got < want) {
        const n = fs.readSync(fd, memory, start + got, want - got, got);
        if (n === 0) break;
        got += n;
        if (got === size) break;
      }
    } catch (error) {
      return [id, 0, '', false, 'read', codeOf(error), messageOf(error)];
    }
    let stats: fs.BigIntStats;
    try {
      stats = fs.fstatSync(fd, { bigint: true });
    } catch (error) {
      return [id, 0, '', false, 'stat', codeOf(error), messageOf(error)];
    }
    if (!stats.isFile()) return [id, 0, '', false, 'read', 'ENOTREG', `${file} is not a regular file`];
    if (got < size) memory.fill(0, start + got, start + size);
    const sha256 = contentHasher(contentKey)
      .update(memory.subarray(start, start + size))
      .digest('hex');
    const changed = got !== size || stats.size !== BigInt(size) || stats.mtimeNs !== mtimeNs;
    return [id, got, sha256, changed, '', '', ''];
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // A descriptor opened for reading has nothing to flush.
    }
  }
};

const shared: unknown = typeof workerData === 'object' && workerData !== null && 'memory' in workerData ? workerData.memory : undefined;
const port = parentPort;
if (port !== null && shared instanceof SharedArrayBuffer) {
  const memory = Buffer.from(shared);
  const queue: Job[] = [];
  let working = false;
  const work = (): void => {
    working = true;
    let answers: Done[] = [];
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      answers.push(readOne(memory, job));
      if (answers.length >= ANSWER_EVERY) {
        port.postMessage({ done: answers });
        answers = [];
      }
    }
    if (answers.length > 0) port.postMessage({ done: answers });
    working = false;
  };
  port.on('message', (message: unknown) => {
    if (ReadRequest.is(message)) queue.push(...message.jobs);
    if (!working) work();
  });
}
