/**
 * Worker thread: reads and decrypts the chunks of one encrypted segment into shared
 * memory, so a restore authenticates and decrypts on one core while it hashes and
 * writes on the other. No byte of a chunk reaches the memory before its tag verified.
 *
 * workerData: { memory: SharedArrayBuffer, fd, key, header, chunkBytes, chunks }
 * In:  { r: [id, bufferStart, length, position] }   (position: tar offset)
 * Out: { r: [id, bytes] } | { r: [id, -1], chunk, why }
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { TAG_BYTES, chunkPosition, openChunk } from '../crypto/segment-chunks';

interface DecryptData {
  readonly memory: SharedArrayBuffer;
  readonly fd: number;
  readonly key: Uint8Array;
  readonly header: Uint8Array;
  readonly chunkBytes: number;
  readonly chunks: number;
}

const isData = (d: unknown): d is DecryptData =>
  typeof d === 'object' && d !== null && 'memory' in d && d.memory instanceof SharedArrayBuffer && 'fd' in d && typeof d.fd === 'number' &&
  'key' in d && d.key instanceof Uint8Array && 'header' in d && d.header instanceof Uint8Array && 'chunkBytes' in d && typeof d.chunkBytes === 'number' &&
  'chunks' in d && typeof d.chunks === 'number';

const requestOf = (m: unknown): readonly [number, number, number, number] | undefined => {
  if (typeof m !== 'object' || m === null || !('r' in m) || !Array.isArray(m.r)) return undefined;
  const [id, start, length, position]: unknown[] = m.r;
  return typeof id === 'number' && typeof start === 'number' && typeof length === 'number' && typeof position === 'number' ? [id, start, length, position] : undefined;
};

class Damaged {
  constructor(
    readonly chunk: number,
    readonly why: string,
  ) {}
}

const port = parentPort;
const data: unknown = workerData;
if (port !== null && isData(data)) {
  const memory = Buffer.from(data.memory);
  const key = Buffer.from(data.key);
  const header = Buffer.from(data.header);
  const { fd, chunkBytes, chunks } = data;
  const sealed = Buffer.allocUnsafe(chunkBytes + TAG_BYTES);
  let cached: { index: number; plain: Buffer } | undefined;

  const chunk = (index: number): Buffer => {
    if (cached?.index === index) return cached.plain;
    let got = 0;
    while (got < sealed.length) {
      const n = fs.readSync(fd, sealed, got, sealed.length - got, chunkPosition(index, chunkBytes) + got);
      if (n === 0) break;
      got += n;
    }
    const last = index === chunks - 1;
    if (!last && got < sealed.length) throw new Damaged(index, 'is cut short (the segment is truncated)');
    const plain = openChunk(key, header, index, last, sealed.subarray(0, got));
    if (plain === undefined) throw new Damaged(index, 'fails authentication (damaged, truncated, reordered or from another segment)');
    cached = { index, plain };
    return plain;
  };

  port.on('message', (m: unknown) => {
    const request = requestOf(m);
    if (request === undefined) return;
    const [id, start, length, position] = request;
    let done = 0;
    try {
      while (done < length) {
        const index = Math.floor((position + done) / chunkBytes);
        if (index >= chunks) break;
        const plain = chunk(index);
        const from = position + done - index * chunkBytes;
        if (from >= plain.length) break;
        done += plain.copy(memory, start + done, from, Math.min(plain.length, from + length - done));
      }
      port.postMessage({ r: [id, done] });
    } catch (error) {
      if (error instanceof Damaged) port.postMessage({ r: [id, -1], chunk: error.chunk, why: error.why });
      else port.postMessage({ r: [id, -1], chunk: -1, why: error instanceof Error ? error.message : String(error) });
    }
  });
}
