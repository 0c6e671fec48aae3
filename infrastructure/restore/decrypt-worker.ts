/**
 * Worker thread: reads and decrypts the chunks of one encrypted segment into shared
 * memory, so a restore authenticates and decrypts on one core while it hashes and
 * writes on the other. No byte of a chunk reaches the memory before its tag verified.
 * Reads go ahead in windows, with direct I/O where it is taken (see sealed-window-reader).
 *
 * workerData: { memory: SharedArrayBuffer, fd, key, header, chunks, direct (fd or -1) }
 * In:  { r: [id, bufferStart, length, position] }   (position: tar offset)
 * Out: { r: [id, bytes] } | { r: [id, -1], chunk, why }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SealedSegmentDamaged } from '../crypto/sealed-chunk-reader';
import { parseSegmentHeader } from '../crypto/segment-chunks';
import { SealedWindowReader } from './sealed-window-reader';
import { DecryptRequest, type DecryptReply } from './segment-source';

interface DecryptData {
  readonly memory: SharedArrayBuffer;
  readonly fd: number;
  readonly key: Uint8Array;
  readonly header: Uint8Array;
  readonly chunks: number;
  /** The same file open with O_DIRECT, or -1. */
  readonly direct: number;
}

const isData = (d: unknown): d is DecryptData =>
  typeof d === 'object' && d !== null && 'memory' in d && d.memory instanceof SharedArrayBuffer && 'fd' in d && typeof d.fd === 'number' &&
  'key' in d && d.key instanceof Uint8Array && 'header' in d && d.header instanceof Uint8Array && 'chunks' in d && typeof d.chunks === 'number' &&
  'direct' in d && typeof d.direct === 'number';

const port = parentPort;
const data: unknown = workerData;
const header = isData(data) ? parseSegmentHeader(Buffer.from(data.header)) : undefined;
if (port !== null && isData(data) && header !== undefined && typeof header !== 'string') {
  const memory = Buffer.from(data.memory);
  const reader = new SealedWindowReader({ fd: data.fd, header, key: Buffer.from(data.key), chunks: data.chunks }, data.direct >= 0 ? data.direct : undefined);
  const answer = async (m: unknown): Promise<void> => {
    if (!DecryptRequest.is(m)) return;
    const [id, start, length, position] = m.r;
    try {
      port.postMessage({ r: [id, await reader.readInto(memory, start, length, position)] } satisfies DecryptReply);
    } catch (error) {
      if (error instanceof SealedSegmentDamaged) port.postMessage({ r: [id, -1], chunk: error.chunk, why: error.why } satisfies DecryptReply);
      else port.postMessage({ r: [id, -1], chunk: -1, why: error instanceof Error ? error.message : String(error) } satisfies DecryptReply);
    }
  };
  // Requests are answered one after the other, in order (a read may be in flight meanwhile).
  let queue = Promise.resolve();
  port.on('message', (m: unknown) => {
    queue = queue.then(() => answer(m));
  });
}
