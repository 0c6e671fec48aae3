import * as fs from 'node:fs';
import { contentHasher } from '../segment/content-hash';
import { osPath } from '../os-path';

/** What a restore finds under a file's final name before it writes anything. */
export type Found =
  | { readonly _tag: 'absent' }
  | { readonly _tag: 'file'; readonly size: number; readonly mtimeUs: bigint }
  | { readonly _tag: 'other'; readonly what: 'a folder' | 'a symlink' | 'something that is not a file' };

/** What the catalog says the file is: its size and its time, to the microsecond a restore sets. */
export interface Expected {
  readonly size: number;
  readonly mtimeUs: bigint;
}

/** 'hash': same size, so only the content hash can tell (the caller reads the file). */
export type Verdict = { readonly _tag: 'absent' } | { readonly _tag: 'equal' } | { readonly _tag: 'differs'; readonly reason: string } | { readonly _tag: 'hash' };

export const lookAt = (full: string): Found => {
  // No exception for the usual case (nothing there): building one cost 4-5 µs a file, most of an lstat.
  const stat = fs.lstatSync(osPath(full), { bigint: true, throwIfNoEntry: false });
  if (stat === undefined) return { _tag: 'absent' };
  if (stat.isFile()) return { _tag: 'file', size: Number(stat.size), mtimeUs: stat.mtimeNs / 1000n };
  return { _tag: 'other', what: stat.isDirectory() ? 'a folder' : stat.isSymbolicLink() ? 'a symlink' : 'something that is not a file' };
};

/** Whether what is there is kept rather than replaced: always without overwrite; a folder always. */
export const kept = (found: Found, overwrite: boolean): boolean => found._tag === 'file' ? !overwrite : found._tag === 'other' && (!overwrite || found.what === 'a folder');

/**
 * "Already there" means equal, never merely present: same size, then same content hash;
 * with `quick`, same size and modification time (the file is not read).
 */
export const judge = (found: Found, expected: Expected, quick: boolean): Verdict => {
  if (found._tag === 'absent') return found;
  if (found._tag === 'other') return { _tag: 'differs', reason: `${found.what} is there` };
  if (found.size !== expected.size) return { _tag: 'differs', reason: `${found.size} bytes on disk, ${expected.size} on tape` };
  if (!quick) return { _tag: 'hash' };
  return found.mtimeUs === expected.mtimeUs ? { _tag: 'equal' } : { _tag: 'differs', reason: 'same size, another modification time (--quick compares no content)' };
};

export const contentDiffers = (contentKey: Uint8Array | undefined): string =>
  `same size, other content (${contentKey === undefined ? 'SHA-256' : 'HMAC-SHA256'} differs from the tape's)`;

const CHUNK = 1024 * 1024;
const READ = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;
/** One buffer for the synchronous reads of a thread: small files go through here one after another. */
let syncBuffer: Buffer | undefined;

/** The content hash of a whole file, read synchronously (small files, on a writer thread). */
export const hashFileSync = (full: string, contentKey: Uint8Array | undefined): string => {
  const hash = contentHasher(contentKey);
  const buffer = (syncBuffer ??= Buffer.allocUnsafe(CHUNK));
  const fd = fs.openSync(osPath(full), READ);
  try {
    for (let n = fs.readSync(fd, buffer, 0, CHUNK, null); n > 0; n = fs.readSync(fd, buffer, 0, CHUNK, null)) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
};

/** The content hash of `length` bytes at `offset` of a file (a large file, or a piece of a split one); undefined when the file is shorter. */
export const hashRange = async (full: string, offset: number, length: number, contentKey: Uint8Array | undefined): Promise<string | undefined> => {
  const hash = contentHasher(contentKey);
  const buffer = Buffer.allocUnsafe(Math.min(4 * CHUNK, Math.max(1, length)));
  const file = await fs.promises.open(osPath(full), READ);
  try {
    for (let at = 0; at < length; ) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, length - at), offset + at);
      if (bytesRead === 0) return undefined;
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
};
