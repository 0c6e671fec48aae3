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

/**
 * Owner names, extended attributes (ACLs included) and, for a file with several names,
 * its identity. A symlink's attributes are not read (Linux keeps no user.* on them, and
 * GNU tar skips them too).
 */
export const readSourceMetadata = (path: string, kind: 'file' | 'dir' | 'symlink', uid: number, gid: number): SourceMetadata => {
  const uname = userName(uid);
  const gname = groupName(gid);
  const owners = { ...(uname === undefined ? {} : { uname }), ...(gname === undefined ? {} : { gname }) };
  if (kind === 'symlink') return { ...owners, xattrs: [] };
  let linkKey: string | undefined;
  let sparse: readonly (readonly [number, number])[] | undefined;
  if (kind === 'file') {
    try {
      // Numbers first (cheaper); the identity of a file with several names in full (an inode may pass 2^53).
      const stat = fs.lstatSync(osPath(path));
      if (stat.nlink > 1) {
        const big = fs.lstatSync(osPath(path), { bigint: true });
        linkKey = `${big.dev}:${big.ino}`;
      }
      sparse = sparseExtents(path, stat);
    } catch (error) {
      return { ...owners, xattrs: [], problem: `cannot stat (${errnoCode(error)})` };
    }
  }
  const read = readXattrs(path);
  const link = { ...(linkKey === undefined ? {} : { linkKey }), ...(sparse === undefined ? {} : { sparse }) };
  return 'problem' in read ? { ...owners, ...link, xattrs: [], problem: read.problem } : { ...owners, ...link, xattrs: read.xattrs };
};

/** Files smaller than this are archived whole, holes or not (a hole is at least a block; the map costs one). */
const SPARSE_MIN_BYTES = 1024 * 1024;

/**
 * The data extents of a file with holes (fewer blocks than its size needs, as GNU tar
 * tells), or undefined: not sparse, small, or no addon to find the holes with (then it
 * is archived in full, its holes as zeros).
 */
const sparseExtents = (path: string, stat: fs.Stats): (readonly [number, number])[] | undefined => {
  if (stat.size < SPARSE_MIN_BYTES || stat.blocks * 512 >= stat.size || nativeFileMeta === undefined) return undefined;
  try {
    const extents = nativeFileMeta.dataExtents(osPath(path));
    const data = extents.reduce((sum, [, length]) => sum + length, 0);
    return data < stat.size ? extents : undefined;
  } catch {
    return undefined;
  }
};

/** The pax records of a path's attributes, named as GNU tar names them: ACLs as text, then every attribute as it is. */
export const xattrRecords = (xattrs: readonly Xattr[]): (readonly [string, string | Buffer])[] => [
  ...aclRecords(xattrs),
  ...xattrs.map(([name, value]): readonly [string, Buffer] => [`SCHILY.xattr.${name}`, value]),
];
