import * as fs from 'node:fs';
import { ArchivedMetadata } from '../../domain/events';
import { errnoCode } from '../errno';
import { setTimes } from '../meta/file-times';
import { localOwner } from '../meta/owners';
import { parseXattrsText, writeXattrs, type Xattr } from '../meta/xattrs';
import { osPath } from '../os-path';

/** What a restore does with owners: give every entry its recorded owner (as root), or leave them to the user running it. */
export interface MetadataPolicy {
  readonly owners: boolean;
}

/** An entry's metadata beyond mode and mtime, as a restore applies it (plain: names opened). */
export interface RestoreMetadata {
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly xattrs: readonly Xattr[];
  /** A hard link: the catalogued path of the first name. */
  readonly link?: string;
  /** A sparse file: its data extents. */
  readonly sparse?: readonly (readonly [number, number])[];
}

const NONE: RestoreMetadata = { xattrs: [] };

/** The fields a restore entry brings for its metadata (the catalog's uid, gid and meta columns). */
export interface MetadataFields {
  readonly uid?: number | null;
  readonly gid?: number | null;
  readonly meta?: string | null;
}

/** Decodes an entry's metadata; a `meta` that does not decode is reported as a problem (the entry is restored without it). */
export const restoreMetadata = (fields: MetadataFields): RestoreMetadata | { readonly problem: string } => {
  const owner = fields.uid === undefined || fields.uid === null || fields.gid === undefined || fields.gid === null ? undefined : { uid: fields.uid, gid: fields.gid };
  if (fields.meta === undefined || fields.meta === null) return owner === undefined ? NONE : { owner, xattrs: [] };
  let json: unknown;
  try {
    json = JSON.parse(fields.meta);
  } catch {
    return { problem: 'its recorded metadata is not JSON' };
  }
  const decoded = ArchivedMetadata.decode(json);
  if (decoded._tag === 'Left') return { problem: 'its recorded metadata does not decode' };
  const m = decoded.right;
  const xattrs = m.xattrs === undefined ? [] : parseXattrsText(m.xattrs);
  if (xattrs === undefined) return { problem: 'its recorded extended attributes do not decode' };
  return {
    ...(owner === undefined ? {} : { owner: localOwner({ ...owner, ...(m.uname === undefined ? {} : { uname: m.uname }), ...(m.gname === undefined ? {} : { gname: m.gname }) }) }),
    xattrs,
    ...(m.link === undefined ? {} : { link: m.link }),
    ...(m.sparse === undefined ? {} : { sparse: m.sparse }),
  };
};

/** A path this restore created, with its mode already set: it belongs to `uid`:`gid`. */
export interface Created {
  readonly uid: number;
  readonly gid: number;
}

const SET_ID_BITS = 0o6000;

/**
 * Owner, mode, extended attributes and time of a restored path, in that order: chown
 * clears set-id bits (so the mode follows it), and the time goes last. For a path this
 * restore `created` (mode set), the owner is changed only when it differs and the mode
 * set again only when chown cleared set-id bits. Returns what could not be applied.
 */
export const applyMetadata = (
  p: string,
  kind: 'file' | 'dir' | 'symlink',
  mode: number,
  mtimeNs: string,
  meta: RestoreMetadata,
  policy: MetadataPolicy,
  created?: Created,
): string | undefined => {
  const missed: string[] = [];
  const owner = policy.owners ? meta.owner : undefined;
  const chown = owner !== undefined && (created === undefined || owner.uid !== created.uid || owner.gid !== created.gid);
  if (chown) {
    try {
      fs.lchownSync(osPath(p), owner.uid, owner.gid);
    } catch (error) {
      missed.push(`owner ${owner.uid}:${owner.gid} (${errnoCode(error)})`);
    }
  }
  if (kind !== 'symlink' && (created === undefined || (chown && (mode & SET_ID_BITS) !== 0))) {
    try {
      fs.chmodSync(osPath(p), mode);
    } catch (error) {
      missed.push(`mode (${errnoCode(error)})`);
    }
  }
  if (kind !== 'symlink') {
    const failed = writeXattrs(p, meta.xattrs);
    if (failed.length > 0) missed.push(`extended attributes ${failed.join(', ')}`);
  }
  try {
    setTimes(p, BigInt(mtimeNs));
  } catch (error) {
    missed.push(`time (${errnoCode(error)})`);
  }
  return missed.length === 0 ? undefined : `restored without its ${missed.join('; ')}`;
};

/** Whether a file written with its mode and its time (exact, or to the microsecond) still needs `applyMetadata`. */
export const needsMetadata = (meta: RestoreMetadata, policy: MetadataPolicy, mtimeNs: string, runningAs: { uid: number; gid: number }, timeExact: boolean): boolean => {
  const ns = BigInt(mtimeNs);
  if ((!timeExact && (ns < 0n || ns % 1000n !== 0n)) || meta.xattrs.length > 0) return true;
  return policy.owners && meta.owner !== undefined && (meta.owner.uid !== runningAs.uid || meta.owner.gid !== runningAs.gid);
};
