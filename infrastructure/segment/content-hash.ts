import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/**
 * The hash recorded for a file's content: SHA-256 on a plain tape; HMAC-SHA256 under the
 * tape's content key on an encrypted one, so the tape cannot confirm that it holds a
 * known file. Both are 32 bytes, written as 64 hex digits.
 */
export const contentHasher = (key: Uint8Array | undefined): Hash | Hmac => (key === undefined ? createHash('sha256') : createHmac('sha256', key));

/** The content key a worker thread was started with (workerData.contentKey), if any. */
export const contentKeyOf = (data: unknown): Uint8Array | undefined =>
  typeof data === 'object' && data !== null && 'contentKey' in data && data.contentKey instanceof Uint8Array ? data.contentKey : undefined;
