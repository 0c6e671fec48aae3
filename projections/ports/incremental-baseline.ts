import type { EntryKind } from '../../domain/events';

/** The latest catalogued version of a path on a tape: what an incremental backup compares a scanned entry with. */
export interface LatestVersion {
  readonly kind: EntryKind | 'deleted';
  readonly size: number;
  readonly mtimeNs: string;
  readonly mode: number;
  readonly sha256: string | null;
  readonly target: string | null;
  /** Absent (null) in entries archived before change detection recorded it. */
  readonly ctimeNs: string | null;
  readonly inode: string | null;
}

/** The latest version of each path of one tape (paths as catalogued). */
export interface IncrementalBaseline {
  /** The latest version of a path, or undefined when never archived (a `deleted` version is returned as such). */
  latest(path: string): LatestVersion | undefined;
}
