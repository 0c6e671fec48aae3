import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { errnoCode } from '../errno';
import { closeQuietly } from '../journal/durable-file';
import { readFullySync } from '../read-fully';
import { SealedSegmentDamaged } from '../crypto/sealed-chunk-reader';
import type { SegmentKeys } from '../restore/segment-source';
import type { ScannedEntry } from '../scan/walk';
import { contentHasher } from '../segment/content-hash';
import { walkTar, type ByteSource, type DecodedEntry } from '../segment/tar-header';
import { sealedByteSource } from './sealed-byte-source';

/**
 * An entry found again in a segment's own tar headers, as a scan would have seen it
 * (`path`: the tar's path with its leading `/` back), with where its data starts in the
 * tar stream and its content hash (files; keyed on an encrypted tape).
 */
/** A member read back from a segment's tar headers: what a scan sees, less what tar does not keep. */
export interface SegmentMember extends Omit<ScannedEntry, 'ctimeNs' | 'inode'> {
  readonly dataOffset: number;
  readonly hash?: string;
}

class PlainFileSource implements ByteSource {
  readonly size: number;
  constructor(private readonly fd: number) {
    this.size = fs.fstatSync(fd).size;
  }

  read(offset: number, length: number): Buffer {
    const want = Math.max(0, Math.min(length, this.size - offset));
    const buffer = Buffer.allocUnsafe(want);
    return buffer.subarray(0, readFullySync(this.fd, buffer, offset));
  }
}

const HASH_STEP = 4 * 1024 * 1024;

const hashData = (source: ByteSource, offset: number, size: number, key: Buffer | undefined): string => {
  const hash = contentHasher(key);
  for (let at = 0; at < size; at += HASH_STEP) hash.update(source.read(offset + at, Math.min(HASH_STEP, size - at)));
  return hash.digest('hex');
};

const memberOf = (d: DecodedEntry, source: ByteSource, key: Buffer | undefined): SegmentMember => {
  const e = d.entry;
  const path = `/${e.path.replace(/\/+$/, '')}`;
  const base = { path, kind: e.type, size: e.type === 'file' ? e.size : 0, mtimeNs: e.mtimeNs, mode: e.mode, uid: e.uid, gid: e.gid, dataOffset: d.dataOffset };
  if (e.type === 'symlink') return { ...base, target: e.linkTarget ?? '' };
  if (e.type === 'file') return { ...base, hash: hashData(source, d.dataOffset, e.size, key) };
  return base;
};

/**
 * Every member of a segment, read from its own tar headers (salvage: the catalog's
 * record of them was lost). An encrypted segment needs the tape's keys. Damage inside
 * the tar ends the listing where it is (what was read before is returned).
 */
export const segmentMembers = (segmentPath: string, keys: SegmentKeys | undefined): E.Either<string, { members: SegmentMember[]; problem?: string }> => {
  let fd: number;
  try {
    fd = fs.openSync(segmentPath, 'r');
  } catch (error) {
    return E.left(`cannot open (${errnoCode(error)})`);
  }
  try {
    const source = keys === undefined ? new PlainFileSource(fd) : sealedByteSource(fd, keys);
    const listing = walkTar(source, { resync: true });
    const members = listing.entries.map((d) => memberOf(d, source, keys?.contentKey));
    return E.right({ members, ...(listing.problem === undefined ? {} : { problem: listing.problem.detail }) });
  } catch (error) {
    if (error instanceof SealedSegmentDamaged) return E.left(`chunk ${error.chunk} ${error.why}`);
    return E.left(`unreadable (${errnoCode(error)})`);
  } finally {
    closeQuietly(fd);
  }
};
