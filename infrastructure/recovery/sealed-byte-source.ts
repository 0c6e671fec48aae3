import { SealedChunkReader, openSealedFile } from '../crypto/sealed-chunk-reader';
import type { SegmentKeys } from '../restore/segment-source';
import type { ByteSource } from '../segment/tar-header';

/**
 * The tar stream inside an encrypted segment as a synchronous ByteSource (what the tar
 * walker reads): chunks are read, authenticated and decrypted as the walker asks for
 * them. A chunk that fails its tag (or a header that is not ours) throws SealedSegmentDamaged.
 */
export const sealedByteSource = (fd: number, keys: SegmentKeys): ByteSource => {
  const reader = new SealedChunkReader(openSealedFile(fd, (salt) => keys.segmentKey(salt)));
  const size = reader.plainBytes;
  return {
    size,
    read: (offset, length) => {
      const want = Math.max(0, Math.min(length, size - offset));
      const out = Buffer.allocUnsafe(want);
      return out.subarray(0, reader.readInto(out, 0, want, offset));
    },
  };
};
