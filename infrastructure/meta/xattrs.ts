import { getAttributeSync, listAttributesSync, setAttributeSync } from '@napi-rs/xattr';
import { errnoCode } from '../errno';
import { osPath } from '../os-path';
import { nativeFileMeta } from './native-file-meta';

/**
 * Extended attributes of a file or folder, POSIX ACLs included (they are the
 * `system.posix_acl_access` and `system.posix_acl_default` attributes), as GNU tar
 * `--xattrs --acls` archives them: every name the kernel lists (user.*, security.*,
 * trusted.* as root, system.posix_acl_*), values as bytes. Symlinks carry none here.
 */
export type Xattr = readonly [name: string, value: Buffer];

/** Errors that mean "this file system keeps no extended attributes": nothing to read or write. */
const UNSUPPORTED = new Set(['ENOTSUP', 'EOPNOTSUPP']);

const NONE = { xattrs: [] };

/** How attributes are read and written: through the binding (UTF-8 paths), or the addon (a path's bytes). */
interface XattrCalls {
  list(): string[];
  get(name: string): Buffer | null;
  set(name: string, value: Buffer): void;
}

/**
 * The calls for one path. The xattr binding takes a UTF-8 string; a name that is not
 * UTF-8, or a path past PATH_MAX, goes through the native addon as bytes (native/file-meta),
 * or, without it, cannot be reached (undefined).
 */
const callsFor = (path: string): XattrCalls | undefined => {
  const os = osPath(path);
  const native = nativeFileMeta?.xattrs;
  if (typeof os === 'string') {
    // The addon lists with one llistxattr(2) where a path has none (the binding always makes two): once per file in a backup.
    const list = native === undefined ? () => listAttributesSync(os) : () => native.list(os);
    return { list, get: (name) => getAttributeSync(os, name), set: (name, value) => setAttributeSync(os, name, value) };
  }
  if (native === undefined) return undefined;
  return { list: () => native.list(os), get: (name) => native.get(os, name), set: (name, value) => native.set(os, name, value) };
};

const UNREACHABLE = 'a name that is not UTF-8 (or a path past 4,096 bytes) needs the native addon native/file-meta for its extended attributes';

/** The attributes of `path` in name order, or why they could not be read. */
export const readXattrs = (path: string): { readonly xattrs: readonly Xattr[] } | { readonly problem: string } => {
  const calls = callsFor(path);
  return calls === undefined ? { problem: UNREACHABLE } : readXattrsWith(calls);
};

const readXattrsWith = (calls: XattrCalls): { readonly xattrs: readonly Xattr[] } | { readonly problem: string } => {
  let names: string[];
  try {
    names = calls.list();
  } catch (error) {
    if (UNSUPPORTED.has(errnoCode(error))) return { xattrs: [] };
    return { problem: `cannot list extended attributes (${errnoCode(error)})` };
  }
  if (names.length === 0) return NONE;
  const xattrs: Xattr[] = [];
  for (const name of names.sort()) {
    try {
      const value = calls.get(name);
      // Gone since it was listed: nothing to keep.
      if (value !== null) xattrs.push([name, value]);
    } catch (error) {
      return { problem: `cannot read extended attribute ${name} (${errnoCode(error)})` };
    }
  }
  return { xattrs };
};

/** Sets each attribute on `path`; returns the names that could not be set, with why. */
export const writeXattrs = (path: string, xattrs: readonly Xattr[]): string[] => {
  if (xattrs.length === 0) return [];
  const calls = callsFor(path);
  return calls === undefined ? [`all (${UNREACHABLE})`] : writeXattrsWith(calls, xattrs);
};

const writeXattrsWith = (calls: XattrCalls, xattrs: readonly Xattr[]): string[] => {
  const failed: string[] = [];
  for (const [name, value] of xattrs) {
    try {
      calls.set(name, value);
    } catch (error) {
      failed.push(`${name} (${errnoCode(error)})`);
    }
  }
  return failed;
};

/**
 * The catalog's text of a list of attributes: a JSON array of [name, base64 value]
 * pairs, in the order read (docs/FORMAT.md, Entry `xattrs`); undefined for none.
 */
export const xattrsText = (xattrs: readonly Xattr[]): string | undefined =>
  xattrs.length === 0 ? undefined : JSON.stringify(xattrs.map(([name, value]) => [name, value.toString('base64')]));

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The attributes of a catalog text, or undefined when it is not one. */
export const parseXattrsText = (text: string): Xattr[] | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const out: Xattr[] = [];
  for (const pair of parsed) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const [name, value]: unknown[] = pair;
    if (typeof name !== 'string' || name.length === 0 || typeof value !== 'string' || !BASE64.test(value)) return undefined;
    out.push([name, Buffer.from(value, 'base64')]);
  }
  return out;
};
