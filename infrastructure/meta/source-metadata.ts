import * as fs from 'node:fs';
import { errnoCode } from '../errno';
import { groupName, userName } from './owners';
import { readXattrs, type Xattr } from './xattrs';
import { aclRecords } from './acl-text';

/** What a backup reads of a path besides its data and its scan (stat) fields. */
export interface SourceMetadata {
  readonly uname?: string;
  readonly gname?: string;
  readonly xattrs: readonly Xattr[];
  /** A file with more than one name: its device and inode, the same for every name. */
  readonly linkKey?: string;
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
  if (kind === 'file') {
    try {
      // Numbers first (cheaper); the identity of a file with several names in full (an inode may pass 2^53).
      if (fs.lstatSync(path).nlink > 1) {
        const stat = fs.lstatSync(path, { bigint: true });
        linkKey = `${stat.dev}:${stat.ino}`;
      }
    } catch (error) {
      return { ...owners, xattrs: [], problem: `cannot stat (${errnoCode(error)})` };
    }
  }
  const read = readXattrs(path);
  const link = linkKey === undefined ? {} : { linkKey };
  return 'problem' in read ? { ...owners, ...link, xattrs: [], problem: read.problem } : { ...owners, ...link, xattrs: read.xattrs };
};

/** The pax records of a path's attributes, named as GNU tar names them: ACLs as text, then every attribute as it is. */
export const xattrRecords = (xattrs: readonly Xattr[]): (readonly [string, string | Buffer])[] => [
  ...aclRecords(xattrs),
  ...xattrs.map(([name, value]): readonly [string, Buffer] => [`SCHILY.xattr.${name}`, value]),
];
