import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { ALIGN, O_DIRECT, PROBE_BYTES, probeDirectOffset } from '../direct-io';
import { ioPathFor } from '../io-path/io-paths';
import { contentHasher } from '../segment/content-hash';
import type { SegmentSource } from './segment-source';
import { osPath } from '../os-path';

const writeAt = (fd: number, data: Buffer, position: number): Promise<void> =>
  new Promise((resolve, reject) =>
    fs.write(fd, data, 0, data.length, position, (error, n) => {
      if (error) reject(error);
      else if (n === data.length) resolve();
      else void writeAt(fd, data.subarray(n), position + n).then(resolve, reject);
    }),
  );

/**
 * A read or write started ahead is awaited later, in order: if it fails before then,
 * that is not an unhandled rejection (the failure still reaches whoever awaits it).
 */
export const quiet = <T>(promise: Promise<T>): Promise<T> => {
  promise.catch(() => undefined);
  return promise;
};

/** Chunks of a large file the kernel is asked to fetch beyond the one being read. */
export const PREFETCH_CHUNKS = 2;

export type CopyOutcome = { readonly _tag: 'copied'; readonly sha256: string; readonly bytesRead: number } | { readonly _tag: 'short'; readonly bytesRead: number };


interface Target {
  /** Where whole chunks go: a direct descriptor when the file system takes one. */
  readonly bulk: number;
  readonly memory: Buffer;
  /** Offset in `memory` where aligned buffers start. */
  readonly base: number;
  readonly close: () => void;
}

/**
 * Direct I/O for a large restored file, where io-path chose it for the target's file
 * system: its bytes go to the disk while the rest is read and hashed, instead of piling up in the page cache for a flush at the end (and without
 * evicting everything else). The memory's alignment is unknown to JavaScript: probe
 * writes at offset 0 (overwritten by the first chunk) find an offset the device takes.
 */
const directTarget = (path: string, fallback: number, bytes: number): Target => {
  const memory = Buffer.from(new SharedArrayBuffer(bytes + ALIGN));
  const buffered: Target = { bulk: fallback, memory, base: 0, close: () => undefined };
  if (O_DIRECT === undefined || !ioPathFor(nodePath.dirname(path)).writeDirect) return buffered;
  let fd: number;
  try {
    fd = fs.openSync(osPath(path), fs.constants.O_WRONLY | O_DIRECT);
  } catch {
    return buffered;
  }
  let base: number | undefined;
  try {
    base = probeDirectOffset(fd, memory);
  } catch {
    base = undefined;
  }
  if (base === undefined) {
    fs.closeSync(fd);
    return buffered;
  }
  return { bulk: fd, memory, base, close: () => fs.closeSync(fd) };
};

/**
 * Copies `length` bytes at `offset` of `from` to the start of the file `to` (open at
 * `toPath`), hashing them in order: `buffers` chunks cycle through read → hash → write,
 * so the next reads and the last writes run on the thread pool while this thread hashes.
 * Whole chunks are written with direct I/O where possible, the last partial one buffered.
 */
export const copyRangeHashed = async (
  from: SegmentSource,
  offset: number,
  length: number,
  to: number,
  toPath: string,
  chunkBytes: number,
  buffers: number,
  contentKey: Buffer | undefined,
): Promise<CopyOutcome> => {
  const hash = contentHasher(contentKey);
  const chunks = Math.ceil(length / chunkBytes);
  const slots = Math.min(buffers, chunks);
  const target = length >= PROBE_BYTES && chunkBytes % ALIGN === 0 ? directTarget(toPath, to, slots * chunkBytes) : { bulk: to, memory: Buffer.allocUnsafe(slots * chunkBytes), base: 0, close: () => undefined };
  const pool = Array.from({ length: slots }, (_, i) => target.memory.subarray(target.base + i * chunkBytes, target.base + (i + 1) * chunkBytes));
  const reads: Promise<number>[] = [];
  const writes: Promise<void>[] = [];
  let bytesRead = 0;
  // One read of the tape in flight at a time, in order: a tape reads fast only front to
  // back, and two reads at different offsets make LTFS reposition between them (on a real
  // drive, seconds each). The buffers still let writing and hashing overlap the next read.
  let lastRead: Promise<unknown> = Promise.resolve();
  // The kernel is asked for the chunks after the one read (in order, so still front to
  // back on a tape): several requests in flight at the disk while this one is hashed.
  const prefetch = (i: number): void => {
    const at = Math.min(length, (i + 1) * chunkBytes);
    from.prefetch?.(offset + at, Math.min(length, (i + 1 + PREFETCH_CHUNKS) * chunkBytes) - at);
  };
  const read = (i: number, bufferFree: Promise<unknown> = Promise.resolve()): Promise<number> => {
    const at = i * chunkBytes;
    const next = Promise.all([lastRead, bufferFree]).then(() => {
      prefetch(i);
      return from.read(pool[i % slots]!, 0, Math.min(chunkBytes, length - at), offset + at);
    });
    lastRead = next.catch(() => undefined);
    return quiet(next);
  };
  try {
    for (let i = 0; i < slots; i++) reads[i] = read(i);
    for (let i = 0; i < chunks; i++) {
      const n = await reads[i]!;
      bytesRead += n;
      if (n < Math.min(chunkBytes, length - i * chunkBytes)) {
        await Promise.allSettled([...reads.slice(i + 1), ...writes]);
        return { _tag: 'short', bytesRead };
      }
      const data = pool[i % slots]!.subarray(0, n);
      hash.update(data);
      writes[i] = quiet(writeAt(n === chunkBytes ? target.bulk : to, data, i * chunkBytes));
      // The buffer is free again once its write is done: then it takes the read `slots` ahead.
      const ahead = i + slots;
      if (ahead < chunks) reads[ahead] = read(ahead, writes[i]!);
    }
    await Promise.all(writes);
    return { _tag: 'copied', sha256: hash.digest('hex'), bytesRead };
  } catch (error) {
    await Promise.allSettled([...reads, ...writes]);
    throw error;
  } finally {
    target.close();
  }
};
