import { ALIGN } from '../direct-io';

/**
 * An encrypted segment: the tar stream is sealed in AES-256-GCM chunks by the hash
 * thread, which also writes the file (see segment-seal-worker), and file hashes are
 * HMACs under `contentKey`.
 */
export interface SegmentEncryption {
  readonly segmentKey: (salt: Buffer) => Buffer;
  readonly contentKey: Buffer;
  readonly chunkBytes: number;
}

export interface SegmentWriterOptions {
  /** Read unit for files larger than `smallFileMax` (a multiple of 4096). Default 4 MiB. */
  readonly chunkBytes?: number;
  /** Chunk buffers (being read, hashed or written). Default 8. */
  readonly chunkBuffers?: number;
  /** Batch buffer for headers and small files (a multiple of 4096). Default 4 MiB. */
  readonly batchBytes?: number;
  /** Batch buffers. Default 3. */
  readonly batchBuffers?: number;
  /** Files up to this size are read whole on reader threads and batched. Default 128 KiB. */
  readonly smallFileMax?: number;
  /** Small files in flight (read or waiting to be placed): slots of smallFileMax + 1 bytes. Default 64. */
  readonly smallFileSlots?: number;
  /** Threads reading small files (synchronous calls, like tar; several keep the disk busy). Default 4. */
  readonly readerThreads?: number;
  /**
   * Without direct I/O: start writing back (fdatasync in the background, one at a time)
   * each time this many more bytes were written, so that close() has less to flush.
   * Default 128 MiB. (On LTFS fsync is a no-op.)
   */
  readonly flushEveryBytes?: number;
  /**
   * Write the segment with O_DIRECT where the file system takes it (falls back to the
   * page cache otherwise): no copy into the page cache, no flush at close, and the
   * archive does not evict the machine's working set. `auto` (the default): what is
   * faster on the segment's file system (see io-path/io-paths ioPathFor).
   */
  readonly directIo?: boolean | 'auto';
  /** Ready chunks are written together, up to this many bytes per write. Default 16 MiB. */
  readonly maxWriteBytes?: number;
}

const MiB = 1024 * 1024;
export const DEFAULTS: SegmentWriterSettings = {
  chunkBytes: 4 * MiB,
  chunkBuffers: 8,
  batchBytes: 4 * MiB,
  batchBuffers: 3,
  smallFileMax: 128 * 1024,
  smallFileSlots: 64,
  readerThreads: 4,
  flushEveryBytes: 128 * MiB,
  directIo: 'auto',
  maxWriteBytes: 16 * MiB,
};

/** Room a header can take in a batch (pax header with the longest paths and extended attributes, plus its ustar block). */
const MAX_HEADER_BYTES = 4 * 64 * 1024 + 4096;


/** The options with every default filled in. */
export type SegmentWriterSettings = Required<SegmentWriterOptions>;

export const optionsProblem = (o: SegmentWriterSettings): string | undefined => {
  for (const [name, value] of Object.entries(o)) {
    if (name === 'directIo') continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return `${name} must be a positive integer`;
  }
  if (typeof o.directIo !== 'boolean' && o.directIo !== 'auto') return "directIo must be a boolean or 'auto'";
  if (o.chunkBytes % ALIGN !== 0) return `chunkBytes must be a multiple of ${ALIGN}`;
  if (o.batchBytes % ALIGN !== 0) return `batchBytes must be a multiple of ${ALIGN}`;
  if (o.batchBuffers < 2) return 'batchBuffers must be at least 2';
  if (o.batchBytes < o.smallFileMax + MAX_HEADER_BYTES + 512) return 'batchBytes must hold a small file with its header';
  return undefined;
};
