import * as fs from 'node:fs';
import { contentHasher } from '../segment/content-hash';
import { sparseMap, type Extent } from '../segment/sparse-member';
import type { SegmentSource } from './segment-source';

const CHUNK = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(1024 * 1024);

export type SparseCopied = { readonly _tag: 'copied'; readonly digest: string } | { readonly _tag: 'short' };

/**
 * Restores a sparse file's member (GNU pax sparse 1.0: its map, then its extents) into
 * `out`: each extent's bytes written at its offset, nothing written for the holes (they
 * stay holes), the file cut to `size`. The digest is the whole file's, holes as zeros,
 * to compare with the catalog's hash.
 */
export const copySparse = async (
  source: SegmentSource,
  memberAt: number,
  extents: readonly Extent[],
  size: number,
  out: number,
  contentKey: Uint8Array | undefined,
): Promise<SparseCopied> => {
  const hash = contentHasher(contentKey);
  const hashZeros = (n: number): void => {
    for (let left = n; left > 0; left -= ZEROS.length) hash.update(left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left));
  };
  const buffer = Buffer.allocUnsafe(CHUNK);
  let inSegment = memberAt + sparseMap(extents, size).length;
  let hashed = 0;
  for (const [offset, length] of extents) {
    hashZeros(offset - hashed);
    for (let done = 0; done < length; ) {
      const n = Math.min(CHUNK, length - done);
      const got = await source.read(buffer, 0, n, inSegment + done);
      if (got < n) return { _tag: 'short' };
      hash.update(buffer.subarray(0, n));
      for (let written = 0; written < n; ) written += fs.writeSync(out, buffer, written, n - written, offset + done + written);
      done += n;
    }
    inSegment += length;
    hashed = offset + length;
  }
  hashZeros(size - hashed);
  fs.ftruncateSync(out, size);
  return { _tag: 'copied', digest: hash.digest('hex') };
};
