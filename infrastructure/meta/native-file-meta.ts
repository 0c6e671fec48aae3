import * as path from 'node:path';

/**
 * The optional addon native/file-meta (built by `npm run prepare`): utimensat(2) and
 * SEEK_DATA/SEEK_HOLE, which Node does not offer. Undefined when it was not built or
 * does not load, or LTO_NATIVE_FILE_META=0: callers then fall back (times to the
 * microsecond, sparse files archived in full).
 */
export interface NativeFileMeta {
  /** Sets atime and mtime of a path (a symlink itself) to seconds + nanoseconds. Throws the errno error. */
  utimens(path: string, seconds: bigint, nanoseconds: number): void;
  /** The data extents of a file, [offset, length] in order (holes left out). Throws the errno error. */
  dataExtents(path: string): [number, number][];
}

const ADDON = path.join(__dirname, '..', '..', '..', 'native', 'file-meta', 'build', 'Release', 'file_meta.node');

const load = (): NativeFileMeta | undefined => {
  if (process.env['LTO_NATIVE_FILE_META'] === '0') return undefined;
  const module: { exports: unknown } = { exports: {} };
  try {
    process.dlopen(module, ADDON);
  } catch {
    return undefined;
  }
  const addon = module.exports;
  if (typeof addon !== 'object' || addon === null || !('utimens' in addon) || !('dataExtents' in addon)) return undefined;
  const { utimens, dataExtents } = addon;
  if (typeof utimens !== 'function' || typeof dataExtents !== 'function') return undefined;
  return {
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

export const nativeFileMeta: NativeFileMeta | undefined = load();
