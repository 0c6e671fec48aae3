import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { nativeGcm } from './native-gcm';

/**
 * An encrypted segment on tape:
 *
 *   header (48 bytes): magic "LTOAENC1" | chunk size (u32 BE) | version 1 (u32 BE) | salt (32 bytes)
 *   chunk 0 | chunk 1 | ... each: AES-256-GCM ciphertext of `chunk size` plaintext bytes
 *                                (the last: 1 to chunk size bytes), then its 16-byte tag
 *
 * The key is HKDF(data key, salt); the nonce of chunk i is i as 11 bytes big-endian
 * then 0x01 for the last chunk and 0x00 for the others (age's STREAM); the header is
 * the associated data of every chunk. So truncation (the new last chunk lacks the
 * flag), reordering (wrong counter), a flipped bit and a chunk from another segment
 * (other key) all fail the tag.
 */
export const SEGMENT_MAGIC = Buffer.from('LTOAENC1', 'ascii');
export const HEADER_BYTES = 48;
export const TAG_BYTES = 16;
export const SALT_BYTES = 32;
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
const VERSION = 1;

export interface SegmentHeader {
  readonly bytes: Buffer;
  readonly chunkBytes: number;
  readonly salt: Buffer;
}

export const newSegmentHeader = (chunkBytes: number): SegmentHeader => {
  const salt = randomBytes(SALT_BYTES);
  const bytes = Buffer.alloc(HEADER_BYTES);
  SEGMENT_MAGIC.copy(bytes, 0);
  bytes.writeUInt32BE(chunkBytes, 8);
  bytes.writeUInt32BE(VERSION, 12);
  salt.copy(bytes, 16);
  return { bytes, chunkBytes, salt };
};

export type HeaderProblem = 'not an encrypted segment' | 'unknown encrypted segment version' | 'implausible chunk size';

export const parseSegmentHeader = (bytes: Buffer): SegmentHeader | HeaderProblem => {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(SEGMENT_MAGIC)) return 'not an encrypted segment';
  if (bytes.readUInt32BE(12) !== VERSION) return 'unknown encrypted segment version';
  const chunkBytes = bytes.readUInt32BE(8);
  if (chunkBytes < 4096 || chunkBytes > 64 * 1024 * 1024) return 'implausible chunk size';
  const header = Buffer.from(bytes.subarray(0, HEADER_BYTES));
  return { bytes: header, chunkBytes, salt: header.subarray(16, 16 + SALT_BYTES) };
};

export const chunkNonce = (index: number, last: boolean): Buffer => {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(index, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
};

/** Where chunk `index` starts in the segment file. */
export const chunkPosition = (index: number, chunkBytes: number): number => HEADER_BYTES + index * (chunkBytes + TAG_BYTES);

/** Encrypts one chunk into `out` (plain.length + 16 bytes): ciphertext then tag. */
export const sealChunk = (key: Buffer, header: Buffer, index: number, last: boolean, plain: Buffer, out: Buffer): void => {
  if (nativeGcm !== undefined) return nativeGcm.seal(key, chunkNonce(index, last), header, plain, out.subarray(0, plain.length + TAG_BYTES));
  const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(index, last));
  cipher.setAAD(header);
  const body = cipher.update(plain);
  body.copy(out, 0);
  const tail = cipher.final();
  tail.copy(out, body.length);
  cipher.getAuthTag().copy(out, plain.length);
};

/** The plaintext of one chunk (ciphertext then tag), or undefined when its tag does not verify. */
export const openChunk = (key: Buffer, header: Buffer, index: number, last: boolean, sealed: Buffer): Buffer | undefined => {
  if (sealed.length <= TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(index, last));
  decipher.setAAD(header);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    // Nothing of `body` leaves before final() has checked the tag.
    const tail = decipher.final();
    return tail.length === 0 ? body : Buffer.concat([body, tail]);
  } catch {
    return undefined;
  }
};

/**
 * openChunk without an allocation where the native addon is loaded: the plaintext is
 * decrypted into `scratch` (at least sealed.length - 16 bytes) and returned as a view of it;
 * with node:crypto it is a new buffer. Undefined when the tag does not verify (then nothing
 * of `scratch` holds unverified bytes).
 */
export const openChunkInto = (key: Buffer, header: Buffer, index: number, last: boolean, sealed: Buffer, scratch: Buffer): Buffer | undefined => {
  if (nativeGcm === undefined) return openChunk(key, header, index, last, sealed);
  if (sealed.length <= TAG_BYTES) return undefined;
  const plain = scratch.subarray(0, sealed.length - TAG_BYTES);
  return nativeGcm.open(key, chunkNonce(index, last), header, sealed, plain) ? plain : undefined;
};
