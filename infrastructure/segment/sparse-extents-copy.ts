import * as fs from 'node:fs';
import { contentHasher } from './content-hash';
import type { ChunkFeed } from './chunk-feed';
import type { Extent } from './sparse-member';
import { dataPadding } from './tar-header';

export type ExtentsCopied = { readonly sha256: string; readonly changed: boolean } | { readonly error: unknown };

/**
 * Copies a sparse member's data (the map, then each extent's bytes) through chunk
 * buffers to segment offset `dataAt`, reading on this thread; returns the file's hash
 * with its holes as zeros, or undefined when the writer failed (no buffer came).
 */
export const copyExtents = async (
  feed: ChunkFeed,
  contentKey: Buffer | undefined,
  fd: number,
  map: Buffer,
  extents: readonly Extent[],
  { size: fileSize, mtimeNs }: { readonly size: number; readonly mtimeNs: bigint },
  dataAt: number,
  size: number,
): Promise<ExtentsCopied | undefined> => {
  const { memory, chunks } = feed;
  const hash = contentHasher(contentKey);
  const zeros = Buffer.alloc(Math.min(feed.chunkBytes, 1024 * 1024));
  const hashZeros = (n: number): void => {
    for (let left = n; left > 0; left -= zeros.length) hash.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
  };
  let position = 0;
  let hashed = 0;
  let changed = false;
  // A read error zero-fills the rest of the member (its room is reserved) and is reported at the end.
  let readError: unknown;
  const submit = async (fill: (slot: number, room: number) => number): Promise<boolean> => {
    const acquired = chunks.acquire();
    const slot = typeof acquired === 'number' ? acquired : await acquired;
    if (slot === undefined) return false;
    const n = fill(slot, feed.chunkBytes);
    const padding = position + n === size ? dataPadding(size) : 0;
    if (padding > 0) memory.fill(0, slot + n, slot + n + padding);
    feed.submit({ start: slot, length: n + padding, offset: dataAt + position, pool: chunks, pending: 2 });
    position += n;
    return true;
  };
  for (let from = 0; from < map.length; ) {
    const ok = await submit((slot, room) => {
      const n = Math.min(room, map.length - from);
      map.copy(memory, slot, from, from + n);
      from += n;
      return n;
    });
    if (!ok) return undefined;
  }
  for (const [offset, length] of extents) {
    hashZeros(offset - hashed);
    hashed = offset;
    for (let done = 0; done < length; ) {
      const ok = await submit((slot, room) => {
        const n = Math.min(room, length - done);
        let got = 0;
        try {
          while (got < n && readError === undefined) {
            const r = fs.readSync(fd, memory, slot + got, n - got, offset + done + got);
            if (r === 0) break;
            got += r;
          }
        } catch (error) {
          readError = error;
        }
        // A file that shrank (or a read error) is zero-filled to the size announced, as addFile does.
        if (got < n) {
          changed = true;
          memory.fill(0, slot + got, slot + n);
        }
        hash.update(memory.subarray(slot, slot + n));
        done += n;
        return n;
      });
      if (!ok) return undefined;
    }
    hashed += length;
  }
  hashZeros(fileSize - hashed);
  if (readError !== undefined) return { error: readError };
  try {
    const after = fs.fstatSync(fd, { bigint: true });
    if (Number(after.size) !== fileSize || after.mtimeNs !== mtimeNs) changed = true;
  } catch {
    changed = true;
  }
  return { sha256: hash.digest('hex'), changed };
};
