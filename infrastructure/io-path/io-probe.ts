import { randomBytes, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALIGN, O_DIRECT, probeDirectOffset } from '../direct-io';
import { isErrno } from '../errno';
import { closeQuietly } from '../journal/durable-file';
import { Advice, advise, canAdvise } from '../read-ahead';

const MiB = 1024 * 1024;
/** Request size of the probe: what the segment writer and the restore use (4 MiB chunks). */
export const PROBE_REQUEST_BYTES = 4 * MiB;
/** Bytes written and read back each way per round: long enough to pass the disk's cache, short enough for a job's start. */
export const PROBE_FILE_BYTES = 16 * MiB;
/**
 * Rounds, each way's best kept: one round at a load of 20 on 2 vCPU once measured the
 * page cache 1.4x faster than direct writes on a disk where direct is 1.5-3x faster.
 * Two rounds took 0.2-0.7 s there (one job a day per file system pays it).
 */
export const PROBE_ROUNDS = 2;

/** MB/s of each way, as measured; a direct figure is absent where the file system refused O_DIRECT. */
export interface ProbeFigures {
  readonly bufferedWrite: number;
  readonly directWrite?: number;
  /** Absent without read-ahead hints: a buffered read back would come from the page cache. */
  readonly bufferedRead?: number;
  readonly directRead?: number;
}

const rate = (bytes: number, ms: number): number => Math.round((bytes / MiB / Math.max(ms, 0.001)) * 1000);

const timed = (work: () => void): number => {
  const began = performance.now();
  work();
  return performance.now() - began;
};

const writeAll = (fd: number, memory: Buffer, at: number, bytes: number): void => {
  for (let done = 0; done < bytes; ) done += fs.writeSync(fd, memory, at, Math.min(PROBE_REQUEST_BYTES, bytes - done), done);
  fs.fdatasyncSync(fd);
};

const readAll = (fd: number, memory: Buffer, at: number, bytes: number): void => {
  for (let done = 0; done < bytes; ) {
    const n = fs.readSync(fd, memory, at, PROBE_REQUEST_BYTES, done);
    if (n === 0) break;
    done += n;
  }
};

/** Writes then reads back a fresh file through the page cache; the read is cold (its pages dropped) or not measured. */
const buffered = (file: string, memory: Buffer, bytes: number): Pick<ProbeFigures, 'bufferedWrite' | 'bufferedRead'> => {
  // Never over a file that is there (O_EXCL): only what the probe made is removed.
  const fd = fs.openSync(file, 'wx+');
  try {
    const write = timed(() => writeAll(fd, memory, 0, bytes));
    // Written and synced, the pages are clean: DONTNEED drops them, so the read goes to the disk.
    if (!canAdvise() || !advise(fd, 0, 0, Advice.dontNeed)) return { bufferedWrite: rate(bytes, write) };
    advise(fd, 0, 0, Advice.sequential);
    const read = timed(() => readAll(fd, memory, 0, bytes));
    return { bufferedWrite: rate(bytes, write), bufferedRead: rate(bytes, read) };
  } finally {
    closeQuietly(fd);
    fs.rmSync(file, { force: true });
  }
};

/** The same with O_DIRECT; undefined where the file system refuses it (ramfs; tmpfs before Linux 6.6) or no address alignment works. */
const direct = (file: string, memory: Buffer, bytes: number): Pick<ProbeFigures, 'directWrite' | 'directRead'> | undefined => {
  if (O_DIRECT === undefined) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL | O_DIRECT, 0o600);
  } catch (error) {
    // Refused after creating it (ramfs): ours, removed; there before (EEXIST): not ours, kept.
    if (!isErrno(error, 'EEXIST')) fs.rmSync(file, { force: true });
    return undefined;
  }
  try {
    const base = probeDirectOffset(fd, memory);
    if (base === undefined) return undefined;
    const write = timed(() => writeAll(fd, memory, base, bytes));
    const read = timed(() => readAll(fd, memory, base, bytes));
    return { directWrite: rate(bytes, write), directRead: rate(bytes, read) };
  } catch {
    return undefined;
  } finally {
    closeQuietly(fd);
    fs.rmSync(file, { force: true });
  }
};

/**
 * Measures, in `folder`, writing and reading `bytes` in PROBE_REQUEST_BYTES requests
 * through the page cache and with O_DIRECT, PROBE_ROUNDS times (two hidden files a round,
 * removed before it returns); each way's best round.
 * Synchronous: it runs once before a job's first large write, and its result is cached.
 * Throws when the folder cannot take a file (the job then fails there with its own error).
 */
export const probeFolder = (folder: string, bytes = PROBE_FILE_BYTES): ProbeFigures => {
  const memory = Buffer.from(new SharedArrayBuffer(PROBE_REQUEST_BYTES + ALIGN));
  // Random bytes: a file system or disk that compresses would make zeros look fast.
  randomFillSync(memory);
  const rounds: ProbeFigures[] = [];
  for (let round = 0; round < PROBE_ROUNDS; round++) {
    const name = `.lto-io-probe-${process.pid}-${randomBytes(4).toString('hex')}`;
    rounds.push({ ...buffered(path.join(folder, `${name}-b`), memory, bytes), ...direct(path.join(folder, `${name}-d`), memory, bytes) });
  }
  return best(rounds);
};

/** Each way's best round: other work on the machine only ever slows a round down. */
const best = (rounds: readonly ProbeFigures[]): ProbeFigures => {
  const top = (pick: (f: ProbeFigures) => number | undefined): number | undefined => {
    const values = rounds.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : Math.max(...values);
  };
  const directWrite = top((f) => f.directWrite);
  const bufferedRead = top((f) => f.bufferedRead);
  const directRead = top((f) => f.directRead);
  return {
    bufferedWrite: top((f) => f.bufferedWrite) ?? 0,
    ...(directWrite === undefined ? {} : { directWrite }),
    ...(bufferedRead === undefined ? {} : { bufferedRead }),
    ...(directRead === undefined ? {} : { directRead }),
  };
};
