/**
 * Worker thread for encrypted segments: takes the segment's tar stream in order from the
 * writer's shared memory, cuts it into chunks, encrypts each (see crypto/segment-chunks),
 * writes them to the segment file in order and hashes what it wrote (the SHA-256 of the
 * file on tape, for a key-less media check). A chunk is sealed only once the next byte
 * has arrived or the stream has ended, so the last chunk carries the last-chunk flag.
 *
 * In:  `{ u: [start, length] }` → `{ a: start }` once those bytes are taken (the writer reuses them)
 *      `{ d: true }` → seals the last chunk → `{ digest, bytes, plainBytes }`
 * A failed write answers `{ e: { code, message } }` once; later updates are only acknowledged.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { HEADER_BYTES, TAG_BYTES, sealChunk } from '../crypto/segment-chunks';

interface SealData {
  readonly memory: SharedArrayBuffer;
  readonly fd: number;
  readonly key: Uint8Array;
  readonly header: Uint8Array;
  readonly chunkBytes: number;
  readonly flushEveryBytes: number;
}

const isSealData = (d: unknown): d is SealData =>
  typeof d === 'object' && d !== null && 'memory' in d && d.memory instanceof SharedArrayBuffer && 'fd' in d && typeof d.fd === 'number' &&
  'key' in d && d.key instanceof Uint8Array && 'header' in d && d.header instanceof Uint8Array && 'chunkBytes' in d && typeof d.chunkBytes === 'number' &&
  'flushEveryBytes' in d && typeof d.flushEveryBytes === 'number';

const isUpdate = (m: unknown): m is { u: [number, number] } => typeof m === 'object' && m !== null && 'u' in m && Array.isArray(m.u);

const errorOf = (error: unknown): { code: string; message: string } => ({
  code: typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'EIO',
  message: error instanceof Error ? error.message : String(error),
});

const port = parentPort;
const data: unknown = workerData;
if (port !== null && isSealData(data)) {
  const memory = Buffer.from(data.memory);
  const key = Buffer.from(data.key);
  const header = Buffer.from(data.header);
  const { fd, chunkBytes, flushEveryBytes } = data;
  const plain = Buffer.alloc(chunkBytes);
  const sealed = Buffer.alloc(chunkBytes + TAG_BYTES);
  const hash = createHash('sha256');
  let fill = 0;
  let index = 0;
  let position = 0;
  let plainBytes = 0;
  let sinceFlush = 0;
  let flushing = false;
  let failed = false;

  const writeAll = (bytes: Buffer): void => {
    let done = 0;
    while (done < bytes.length) {
      const n = fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
      if (n <= 0) throw Object.assign(new Error('the segment write made no progress'), { code: 'EIO' });
      done += n;
    }
    hash.update(bytes);
    position += bytes.length;
    sinceFlush += bytes.length;
  };

  /** Starts writing back in the background now and then, so the fsync at close has less to do. */
  const flushNowAndThen = (): void => {
    if (flushing || sinceFlush < flushEveryBytes) return;
    flushing = true;
    sinceFlush = 0;
    fs.fdatasync(fd, () => {
      flushing = false;
    });
  };

  const sealFilled = (last: boolean): void => {
    sealChunk(key, header, index, last, plain.subarray(0, fill), sealed);
    writeAll(sealed.subarray(0, fill + TAG_BYTES));
    index++;
    fill = 0;
    flushNowAndThen();
  };

  const fail = (error: unknown): void => {
    failed = true;
    port.postMessage({ e: errorOf(error) });
  };

  try {
    writeAll(header.subarray(0, HEADER_BYTES));
  } catch (error) {
    fail(error);
  }

  port.on('message', (message: unknown) => {
    if (isUpdate(message)) {
      const [start, length] = message.u;
      if (!failed) {
        try {
          const bytes = memory.subarray(start, start + length);
          plainBytes += length;
          for (let at = 0; at < length; ) {
            if (fill === chunkBytes) sealFilled(false);
            const n = Math.min(length - at, chunkBytes - fill);
            bytes.copy(plain, fill, at, at + n);
            fill += n;
            at += n;
          }
        } catch (error) {
          fail(error);
        }
      }
      port.postMessage({ a: start });
      return;
    }
    if (failed) return;
    try {
      if (fill > 0) sealFilled(true);
      port.postMessage({ digest: hash.digest('hex'), bytes: position, plainBytes });
    } catch (error) {
      fail(error);
    }
  });
}
