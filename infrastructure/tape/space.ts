import * as fs from 'node:fs';

export interface FileSystemSpace {
  readonly totalBytes: number;
  /** What an unprivileged writer can still use. */
  readonly freeBytes: number;
}

/** statfs of the mount (LTFS reports the tape's partition); undefined where the platform cannot tell. */
export const fileSystemSpace = (root: string): FileSystemSpace | undefined => {
  try {
    const s = fs.statfsSync(root);
    return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
  } catch {
    return undefined;
  }
};
