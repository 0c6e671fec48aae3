import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

const readAt = (fd: number, buffer: Buffer, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, buffer, 0, length, position, (error, n) => (error ? reject(error) : resolve(n))));

const writeAt = (fd: number, data: Buffer, position: number): Promise<void> =>
  new Promise((resolve, reject) =>
    fs.write(fd, data, 0, data.length, position, (error, n) =>
      error ? reject(error) : n === data.length ? resolve() : writeAt(fd, data.subarray(n), position + n).then(resolve, reject),
    ),
  );

export type CopyOutcome = { readonly _tag: 'copied'; readonly sha256: string; readonly bytesRead: number } | { readonly _tag: 'short'; readonly bytesRead: number };

/**
 * Copies `length` bytes at `offset` of `from` to the start of `to`, hashing them in
 * order: `buffers` chunks cycle through read → hash → write, so the next reads and the
 * last writes run on the thread pool while this thread hashes (one file, disk-bound).
 */
export const copyRangeHashed = async (from: number, offset: number, length: number, to: number, chunkBytes: number, buffers: number): Promise<CopyOutcome> => {
  const hash = createHash('sha256');
  const chunks = Math.ceil(length / chunkBytes);
  const pool = Array.from({ length: Math.min(buffers, chunks) }, () => Buffer.allocUnsafe(chunkBytes));
  const reads: Promise<number>[] = [];
  const writes: Promise<void>[] = [];
  let bytesRead = 0;
  const read = (i: number): Promise<number> => {
    const at = i * chunkBytes;
    return readAt(from, pool[i % pool.length]!, Math.min(chunkBytes, length - at), offset + at);
  };
  for (let i = 0; i < pool.length; i++) reads[i] = read(i);
  try {
    for (let i = 0; i < chunks; i++) {
      const n = await reads[i]!;
      bytesRead += n;
      if (n < Math.min(chunkBytes, length - i * chunkBytes)) {
        await Promise.allSettled([...reads.slice(i + 1), ...writes]);
        return { _tag: 'short', bytesRead };
      }
      const data = pool[i % pool.length]!.subarray(0, n);
      hash.update(data);
      writes[i] = writeAt(to, data, i * chunkBytes);
      // The buffer is free again once its write is done: then it takes the read `pool.length` ahead.
      const ahead = i + pool.length;
      if (ahead < chunks) reads[ahead] = writes[i]!.then(() => read(ahead));
    }
    await Promise.all(writes);
    return { _tag: 'copied', sha256: hash.digest('hex'), bytesRead };
  } catch (error) {
    await Promise.allSettled([...reads, ...writes]);
    throw error;
  }
};
