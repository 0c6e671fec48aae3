import * as fs from 'node:fs';
import { errnoCode } from '../errno';
import { groupName, userName } from './owners';
import { readXattrs, type Xattr } from './xattrs';
import { aclRecords } from './acl-text';
import { nativeFileMeta } from './native-file-meta';
import { osPath } from '../os-path';

/** What a backup reads of a path besides its data and its scan (stat) fields. */
export interface SourceMetadata {
  readonly uname?: string;
  readonly gname?: string;
  readonly xattrs: readonly Xattr[];
  /** A file with more than one name: its device and inode, the same for every name. */
  readonly linkKey?: string;
  /** A sparse file: its data extents, [offset, length] (holes left out). */
  readonly sparse?: readonly (readonly [number, number])[];
  /** What could not be read (the entry is archived without it). */
  readonly problem?: string;
}

/** What the scan's lstat saw of a file: enough to skip a second stat when it has one name. */
export interface ScannedStat {
  readonly size: number;
  readonly links?: number;
  readonly blocks?: number;
}

/**
 * Owner names, extended attributes (ACLs included) and, for a file with several names,
 * its identity. A symlink's attributes are not read (Linux keeps no user.* on them, and
 * GNU tar skips them too). A file the scan saw with one name is not stat'ed again (tar
 * stats a file once too); one with several names, or none seen, is (its identity is
 * taken as it is now).
 */
export const readSourceMetadata = (path: string, kind: 'file' | 'dir' | 'symlink', uid: number, gid: number, scanned?: ScannedStat): SourceMetadata => {
  const uname = userName(uid);
  const gname = groupName(gid);
  const owners = { ...(uname === undefined ? {} : { uname }), ...(gname === undefined ? {} : { gname }) };
  if (kind === 'symlink') return { ...owners, xattrs: [] };
  let linkKey: string | undefined;
  let sparse: readonly (readonly [number, number])[] | undefined;
  if (kind === 'file') {
    const identity = fileIdentity(path, scanned);
    if ('problem' in identity) return { ...owners, xattrs: [], problem: identity.problem };
    linkKey = identity.linkKey;
    sparse = identity.sparse;
  }
  const read = readXattrs(path);
  const link = { ...(linkKey === undefined ? {} : { linkKey }), ...(sparse === undefined ? {} : { sparse }) };
  return 'problem' in read ? { ...owners, ...link, xattrs: [], problem: read.problem } : { ...owners, ...link, xattrs: read.xattrs };
};

type Identity = { readonly linkKey?: string; readonly sparse?: readonly (readonly [number, number])[] } | { readonly problem: string };

const NO_IDENTITY: Identity = {};

/** A file's hard-link key and data extents: from the scan's stat when it saw one name, else from an lstat now. */
const fileIdentity = (path: string, scanned: ScannedStat | undefined): Identity => {
  if (scanned?.links === 1 && scanned.blocks !== undefined) {
    const sparse = sparseExtents(path, scanned.size, scanned.blocks);
    return sparse === undefined ? NO_IDENTITY : { sparse };
  }
  try {
    // Numbers first (cheaper); the identity of a file with several names in full (an inode may pass 2^53).
    const stat = fs.lstatSync(osPath(path));
    const sparse = sparseExtents(path, stat.size, stat.blocks);
    if (stat.nlink <= 1) return sparse === undefined ? NO_IDENTITY : { sparse };
    const big = fs.lstatSync(osPath(path), { bigint: true });
    return { linkKey: `${big.dev}:${big.ino}`, ...(sparse === undefined ? {} : { sparse }) };
  } catch (error) {
    return { problem: `cannot stat (${errnoCode(error)})` };
  }
};

/** Files smaller than this are archived whole, holes or not (a hole is at least a block; the map costs one). */
const SPARSE_MIN_BYTES = 1024 * 1024;

/**
 * The data extents of a file with holes (fewer blocks than its size needs, as GNU tar
 * tells), or undefined: not sparse, small, or no addon to find the holes with (then it
 * is archived in full, its holes as zeros).
 */
const sparseExtents = (path: string, size: number, blocks: number): (readonly [number, number])[] | undefined => {
  if (size < SPARSE_MIN_BYTES || blocks * 512 >= size || nativeFileMeta === undefined) return undefined;
  try {
    const extents = nativeFileMeta.dataExtents(osPath(path));
    const data = extents.reduce((sum, [, length]) => sum + length, 0);
    return data < size ? extents : undefined;
  } catch {
    return undefined;
  }
};

/** The pax records of a path's attributes, named as GNU tar names them: ACLs as text, then every attribute as it is. */
export const xattrRecords = (xattrs: readonly Xattr[]): (readonly [string, string | Buffer])[] => [
  ...aclRecords(xattrs),
  ...xattrs.map(([name, value]): readonly [string, Buffer] => [`SCHILY.xattr.${name}`, value]),
];
