/**
 * Worker thread: streams one large source file at a time into chunk buffers of the
 * writer's shared memory, hashing each chunk right after reading it. The next chunk is
 * read (directly into the memory where the file system takes O_DIRECT, see source-reads)
 * while this one is hashed; the writer hands out free chunk buffers and gets them back
 * filled, in file order.
 *
 * In:  `{ open: [id, path, size, mtimeNs, chunkBytes, from, fileSize] }` starts a file: `size`
 *      bytes from byte `from` (a piece of a file split across tapes; else 0 and the whole
 *      file), `fileSize` what the scan saw of the whole file;
 *      `{ slots: [start, ...] }` gives free chunk buffers.
 * Out: `{ chunk: [id, start, length, position] }` a filled chunk (zeros after a short
 *      read or a read error, so every chunk is whole);
 *      `{ end: [id, sha256, changed, errorOp, errorCode, errorMessage, placedAny, unusedSlots] }`
 *      when the file is done (errorOp '' when it read cleanly; `placedAny` false when
 *      the file failed before its first chunk, which then nothing of it was sent).
 */
import type { Hash, Hmac } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { StreamOpen, StreamSlots, type StreamReply } from './large-file-reader';
import { contentHasher, contentKeyOf } from './content-hash';
import { SourceReads } from './source-reads';
import { ReadPaths, readAheadOn, readDirectFor } from '../io-path/io-paths';
import { osPath } from '../os-path';

const contentKey = contentKeyOf(workerData);
const readPathsGiven: unknown = typeof workerData === 'object' && workerData !== null && 'readPaths' in workerData ? workerData.readPaths : undefined;
/** Direct or buffered reads by file system (io-path); none given: direct where taken. */
const readPaths: ReadPaths = ReadPaths.is(readPathsGiven) ? readPathsGiven : { readDirect: {}, setting: 'auto' };
/** File systems by device (their key and statfs type): one statfs per device, not per file. */
const filesystems = new Map<number, { readonly key: string; readonly type: number }>();

/** How to read a source file on device `dev`: direct (where taken) or not, and whether read-ahead hints may be given. */
const readPathOf = (file: string | Buffer, dev: number): { readonly direct: boolean; readonly hints: boolean } => {
  let filesystem = filesystems.get(dev);
  if (filesystem === undefined) {
    try {
      const type = fs.statfsSync(file).type;
      filesystem = { key: `${type.toString(16)}:${dev}`, type };
    } catch {
      return { direct: readPaths.setting !== 'buffered', hints: false };
    }
    filesystems.set(dev, filesystem);
  }
  return { direct: readDirectFor(readPaths, filesystem.key), hints: readAheadOn(filesystem.type) };
};

const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;

const codeOf = (error: unknown): string => (error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'EUNKNOWN');
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

interface Stream {
  readonly id: number;
  readonly path: string;
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly chunkBytes: number;
  /** Where the bytes sent start in the file, and the whole file's expected size. */
  readonly from: number;
  readonly fileSize: number;
  readonly fd: number;
  readonly reads: SourceReads;
  /** The read of the next chunk, started before this one was hashed. */
  ahead: { readonly start: number; readonly got: Promise<number> } | undefined;
  readonly hash: Hash | Hmac;
  position: number;
  sent: number;
  /** After a short read or an error: the rest is zeros, nothing more is read. */
  stopped: boolean;
  short: boolean;
  error: { op: string; code: string; message: string } | undefined;
}

const sourceReads = (fd: number, how: { readonly direct: boolean; readonly hints: boolean }, chunkBytes: number): SourceReads => new SourceReads(fd, how.direct, chunkBytes, how.hints);

const shared: unknown = typeof workerData === 'object' && workerData !== null && 'memory' in workerData ? workerData.memory : undefined;
const port = parentPort;
if (port !== null && shared instanceof SharedArrayBuffer) {
  const memory = Buffer.from(shared);
  const free: number[] = [];
  let stream: Stream | undefined;

  const finish = (s: Stream, placedAny: boolean): void => {
    let changed = s.short;
    if (s.error === undefined) {
      try {
        const stats = fs.fstatSync(s.fd, { bigint: true });
        changed = changed || stats.size !== BigInt(s.fileSize) || stats.mtimeNs !== s.mtimeNs;
      } catch {
        changed = true;
      }
    }
    try {
      s.reads.close();
      fs.closeSync(s.fd);
    } catch {
      // A descriptor opened for reading has nothing to flush.
    }
    const e = s.error;
    stream = undefined;
    port.postMessage({ end: [s.id, placedAny ? s.hash.digest('hex') : '', changed, e?.op ?? '', e?.code ?? '', e?.message ?? '', placedAny, free.splice(0)] } satisfies StreamReply);
  };

  /** Reads the chunk at the stream's position into `start` (the read started ahead, if it was for this buffer). */
  const read = (s: Stream, start: number, want: number): Promise<number> => {
    const ahead = s.ahead;
    s.ahead = undefined;
    if (ahead?.start === start) return ahead.got;
    return s.reads.read(memory, start, want, s.from + s.position, s.chunkBytes);
  };

  /** Starts reading the chunk after this one into the next free buffer, so it arrives while this one is hashed. */
  const readAhead = (s: Stream, want: number): void => {
    const next = free[0];
    const position = s.position + want;
    if (next === undefined || s.stopped || position >= s.size) return;
    const got = s.reads.read(memory, next, Math.min(s.chunkBytes, s.size - position), s.from + position, s.chunkBytes);
    got.catch(() => undefined);
    s.ahead = { start: next, got };
  };

  let pumping = false;

  /** Fills free chunk buffers in file order while there are some (one pass at a time). */
  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      await fill();
    } finally {
      pumping = false;
    }
  };

  const fill = async (): Promise<void> => {
    for (let s = stream; s !== undefined && free.length > 0; s = stream) {
      const start = free.shift() ?? 0;
      const want = Math.min(s.chunkBytes, s.size - s.position);
      let got = 0;
      if (!s.stopped) {
        try {
          got = await read(s, start, want);
        } catch (error) {
          s.error = { op: 'read', code: codeOf(error), message: messageOf(error) };
        }
        if (got < want) {
          s.stopped = true;
          if (s.error === undefined) s.short = true;
        }
      }
      if (s.sent === 0 && s.error !== undefined && got === 0) {
        // Unreadable before any byte: nothing of it goes into the segment.
        free.unshift(start);
        finish(s, false);
        return;
      }
      if (got < want) memory.fill(0, start + got, start + want);
      readAhead(s, want);
      s.hash.update(memory.subarray(start, start + want));
      port.postMessage({ chunk: [s.id, start, want, s.position] } satisfies StreamReply);
      s.position += want;
      s.sent++;
      if (s.position >= s.size) {
        finish(s, true);
        return;
      }
    }
  };

  port.on('message', (message: unknown) => {
    if (StreamSlots.is(message)) free.push(...message.slots);
    if (StreamOpen.is(message)) {
      const [id, path, size, mtimeNs, chunkBytes, from, fileSize] = message.open;
      let fd: number;
      try {
        fd = fs.openSync(osPath(path), fs.constants.O_RDONLY | O_NONBLOCK);
      } catch (error) {
        port.postMessage({ end: [id, '', false, 'open', codeOf(error), messageOf(error), false, free.splice(0)] } satisfies StreamReply);
        return;
      }
      let regular: boolean;
      let dev = 0;
      try {
        const stats = fs.fstatSync(fd);
        regular = stats.isFile();
        dev = stats.dev;
      } catch (error) {
        fs.closeSync(fd);
        port.postMessage({ end: [id, '', false, 'stat', codeOf(error), messageOf(error), false, free.splice(0)] } satisfies StreamReply);
        return;
      }
      if (!regular) {
        fs.closeSync(fd);
        port.postMessage({ end: [id, '', false, 'read', 'ENOTREG', `${path} is not a regular file`, false, free.splice(0)] } satisfies StreamReply);
        return;
      }
      stream = { id, path, size, mtimeNs, chunkBytes, from, fileSize, fd, reads: sourceReads(fd, readPathOf(osPath(path), dev), chunkBytes), ahead: undefined, hash: contentHasher(contentKey), position: 0, sent: 0, stopped: false, short: false, error: undefined };
    }
    void pump();
  });
}
