import * as E from 'fp-ts/Either';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALIGN, O_DIRECT, probeDirectOffset } from '../direct-io';
import { isErrno } from '../errno';
import { ioPathFor } from '../io-path/io-paths';
import { closeQuietly } from '../journal/durable-file';
import { newSegmentHeader } from '../crypto/segment-chunks';
import type { SealSpec } from './hash-worker-client';
import { segmentWriteFailed, type SegmentError } from './segment-errors';
import type { SegmentEncryption, SegmentWriterSettings } from './segment-writer-options';

/** The segment file, open, and the shared memory its buffers live in. */
export interface OpenedTarget {
  readonly fd: number;
  readonly direct: boolean;
  /** Opened with O_DIRECT: the alignment probe wrote at offset 0. */
  readonly probed?: boolean;
  readonly shared: SharedArrayBuffer;
  readonly memory: Buffer;
  /** Offset in `memory` of the first buffer (aligned for direct I/O when `direct`). */
  readonly base: number;
}

/**
 * Where an encrypted segment's ciphertext waits for whole-page direct writes (after the
 * pools): two halves of 16 MiB, so that each write is as large as a plain segment's
 * largest (maxWriteBytes) and reaches the disk as several requests in flight (4 MiB
 * each where max_sectors_kb is 4096). With 4 MiB halves the writes were 3-4 MiB, one
 * request at a time.
 */
export const SEAL_STAGING_BYTES = 32 * 1024 * 1024;

/** Bytes of one small-file slot: the file and one more byte (to tell that it grew), aligned. */
export const slotBytes = (o: SegmentWriterSettings): number => Math.ceil((o.smallFileMax + 1) / ALIGN) * ALIGN;

/** Bytes of the pools (chunks, batches, small-file slots): a multiple of ALIGN. */
export const poolBytes = (o: SegmentWriterSettings): number => o.chunkBytes * o.chunkBuffers + o.batchBytes * o.batchBuffers + slotBytes(o) * o.smallFileSlots;

/** Offsets in the memory of each pool's buffers, laid out one pool after the other from `base`. */
export const poolLayout = (o: SegmentWriterSettings, base: number): { chunks: number[]; batches: number[]; smallSlots: number[] } => {
  const batchesBase = base + o.chunkBytes * o.chunkBuffers;
  const slotsBase = batchesBase + o.batchBytes * o.batchBuffers;
  return {
    chunks: Array.from({ length: o.chunkBuffers }, (_, i) => base + i * o.chunkBytes),
    batches: Array.from({ length: o.batchBuffers }, (_, i) => batchesBase + i * o.batchBytes),
    smallSlots: Array.from({ length: o.smallFileSlots }, (_, i) => slotsBase + i * slotBytes(o)),
  };
};

/**
 * The segment this call created (or, after a refused O_DIRECT open, may have), open again
 * through the page cache (`probed`: the probe wrote at offset 0).
 */
const reopenBuffered = (segmentPath: string, shared: SharedArrayBuffer, memory: Buffer, probed: boolean): E.Either<SegmentError, OpenedTarget> => {
  try {
    return E.right({ fd: fs.openSync(segmentPath, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644), direct: false, ...(probed ? { probed } : {}), shared, memory, base: 0 });
  } catch (error) {
    return E.left(segmentWriteFailed(segmentPath, 'open', error));
  }
};

/**
 * Creates the segment (exclusively) and the shared memory for its buffers. Direct I/O
 * or not: the option, or when it is `auto` what suits the file system (io-path/io-paths:
 * a probe, cached in the data folder). With direct I/O, the memory's address alignment is unknown to JavaScript: a few writes of two
 * pages at offset 0 from successive 16-byte steps find the first offset the device
 * accepts (those bytes are overwritten later; close() truncates a segment shorter than them).
 */
export const openTarget = (segmentPath: string, o: SegmentWriterSettings, extraBytes: number): E.Either<SegmentError, OpenedTarget> => {
  const shared = new SharedArrayBuffer(poolBytes(o) + extraBytes + ALIGN);
  const memory = Buffer.from(shared);
  const direct = o.directIo === 'auto' ? ioPathFor(path.dirname(segmentPath)).writeDirect : o.directIo;
  if (direct && O_DIRECT !== undefined) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(segmentPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_DIRECT, 0o644);
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return E.left(segmentWriteFailed(segmentPath, 'open', error));
      // The file system does not take O_DIRECT at open: buffered. Some (ramfs) create the
      // file before they refuse: it was not there before (O_EXCL), so it is ours, empty.
      if (isErrno(error, 'EINVAL')) return reopenBuffered(segmentPath, shared, memory, false);
    }
    if (fd !== undefined) {
      try {
        const base = probeDirectOffset(fd, memory);
        if (base !== undefined) return E.right({ fd, direct: true, probed: true, shared, memory, base });
      } catch (error) {
        closeQuietly(fd);
        return E.left(segmentWriteFailed(segmentPath, 'write', error));
      }
      // No alignment worked (or direct writes are refused): reopen the same file buffered.
      closeQuietly(fd);
      return reopenBuffered(segmentPath, shared, memory, true);
    }
  }
  try {
    return E.right({ fd: fs.openSync(segmentPath, 'wx'), direct: false, shared, memory, base: 0 });
  } catch (error) {
    return E.left(segmentWriteFailed(segmentPath, 'open', error));
  }
};

/** What the seal thread needs to encrypt and write the segment itself (staging after the pools). */
export const sealSpec = (target: OpenedTarget, encryption: SegmentEncryption, o: SegmentWriterSettings, segmentPath: string): SealSpec => {
  const header = newSegmentHeader(encryption.chunkBytes);
  return {
    fd: target.fd,
    key: encryption.segmentKey(header.salt),
    header: header.bytes,
    chunkBytes: encryption.chunkBytes,
    flushEveryBytes: o.flushEveryBytes,
    direct: target.direct,
    stagingStart: target.base + poolBytes(o),
    stagingBytes: SEAL_STAGING_BYTES,
    path: segmentPath,
  };
};

export const mkdirIfMissing = (dir: string): void => {
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
};
