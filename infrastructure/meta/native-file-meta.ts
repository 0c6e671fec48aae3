import { loadAddon } from '../native-addon';

/**
 * The optional addon native/file-meta (built by `npm run prepare`): utimensat(2) and
 * SEEK_DATA/SEEK_HOLE, which Node does not offer. Undefined when it was not built or
 * does not load, or LTO_NATIVE_FILE_META=0: callers then fall back (times to the
 * microsecond, sparse files archived in full).
 */
export interface NativeFileMeta {
  /** Sets atime and mtime of a path (a symlink itself) to seconds + nanoseconds. Throws the errno error. */
  utimens(path: string | Buffer, seconds: bigint, nanoseconds: number): void;
  /** The data extents of a file, [offset, length] in order (holes left out). Throws the errno error. */
  dataExtents(path: string | Buffer): [number, number][];
  /** Sets atime and mtime of an open file to seconds + nanoseconds (no path lookup); absent in an addon built before it. Throws the errno error. */
  readonly futimens?: (fd: number, seconds: bigint, nanoseconds: number) => void;
  /** Extended attributes of a path given as bytes (the xattr binding takes UTF-8 strings only; list takes text too); a symlink is not followed. Throw the errno error. */
  readonly xattrs?: {
    list(path: string | Buffer): string[];
    get(path: Buffer, name: string): Buffer | null;
    set(path: Buffer, name: string, value: Buffer): void;
  };
}

const load = (): NativeFileMeta | undefined => {
  const addon = loadAddon('file-meta', 'file_meta.node', 'LTO_NATIVE_FILE_META');
  if (addon === undefined || !('utimens' in addon) || !('dataExtents' in addon)) return undefined;
  const { utimens, dataExtents } = addon;
  if (typeof utimens !== 'function' || typeof dataExtents !== 'function') return undefined;
  const futimens = 'futimens' in addon && typeof addon.futimens === 'function' ? addon.futimens : undefined;
  return {
    ...xattrCalls(addon),
    ...(futimens === undefined ? {} : { futimens: (fd: number, seconds: bigint, nanoseconds: number) => void Reflect.apply(futimens, undefined, [fd, seconds, nanoseconds]) }),
    utimens: (p, seconds, nanoseconds) => {
      Reflect.apply(utimens, undefined, [p, seconds, nanoseconds]);
    },
    dataExtents: (p) => {
      const flat: unknown = Reflect.apply(dataExtents, undefined, [p]);
      if (!Array.isArray(flat)) throw new Error('dataExtents: not an array');
      const out: [number, number][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const offset: unknown = flat[i];
        const length: unknown = flat[i + 1];
        if (typeof offset !== 'number' || typeof length !== 'number') throw new Error('dataExtents: not numbers');
        out.push([offset, length]);
      }
      return out;
    },
  };
};

/** The addon's xattr calls, checked, when it has them (an addon built before them has not). */
const xattrCalls = (addon: object): Pick<NativeFileMeta, 'xattrs'> => {
  if (!('listXattrs' in addon) || !('getXattr' in addon) || !('setXattr' in addon)) return {};
  const { listXattrs, getXattr, setXattr } = addon;
  if (typeof listXattrs !== 'function' || typeof getXattr !== 'function' || typeof setXattr !== 'function') return {};
  return {
    xattrs: {
      list: (p) => {
        const names: unknown = Reflect.apply(listXattrs, undefined, [p]);
        if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string')) throw new Error('listXattrs: not an array of names');
        return names;
      },
      get: (p, name) => {
        const value: unknown = Reflect.apply(getXattr, undefined, [p, name]);
        if (value !== null && !Buffer.isBuffer(value)) throw new Error('getXattr: not a Buffer');
        return value;
      },
      set: (p, name, value) => {
        Reflect.apply(setXattr, undefined, [p, name, value]);
      },
    },
  };
};

export const nativeFileMeta: NativeFileMeta | undefined = load();
