import { loadAddon } from './native-addon';

/** posix_fadvise(2) advice, as the addon numbers it (native/file-meta fadvise). */
export const Advice = { sequential: 2, willNeed: 3, dontNeed: 4 } as const;
export type Advice = (typeof Advice)[keyof typeof Advice];

type Fadvise = (fd: number, offset: number, length: number, advice: Advice) => void;

const load = (): Fadvise | undefined => {
  const addon = loadAddon('file-meta', 'file_meta.node', 'LTO_NATIVE_FILE_META');
  if (addon === undefined || !('fadvise' in addon)) return undefined;
  const { fadvise } = addon;
  if (typeof fadvise !== 'function') return undefined;
  return (fd, offset, length, advice) => void Reflect.apply(fadvise, undefined, [fd, offset, length, advice]);
};

/** Loaded on first use (null: not tried yet; undefined: not available here). */
let fadvise: Fadvise | undefined | null = null;

const available = (): Fadvise | undefined => {
  if (fadvise === null) fadvise = load();
  return fadvise;
};

/** True when hints can be given here (the addon is built with fadvise: an older build has not). */
export const canAdvise = (): boolean => available() !== undefined;

/**
 * A hint to the kernel about how `length` bytes at `offset` of the open file will be read
 * (length 0: to the end). Only a hint: false when it could not be given (no addon, or the
 * file system refused it), and nothing else changes.
 */
export const advise = (fd: number, offset: number, length: number, advice: Advice): boolean => {
  const call = available();
  if (call === undefined) return false;
  try {
    call(fd, offset, length, advice);
    return true;
  } catch {
    return false;
  }
};
