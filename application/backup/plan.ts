import * as E from 'fp-ts/Either';
import type Database from 'better-sqlite3';
import type { Glob } from '../../domain/glob';
import { hashFile } from '../../infrastructure/scan/hash-file';
import { walk, type ScannedEntry } from '../../infrastructure/scan/walk';
import { CatalogState, type LatestVersion } from './catalog-state';
import { ScanTable, type Change } from './scan-table';

export interface PlanOptions {
  readonly tape: string;
  readonly roots: readonly string[];
  readonly excludes: readonly Glob[];
  readonly incremental: boolean;
  /** Compare content too (reads every file whose size and time match). */
  readonly checksum: boolean;
  readonly onScanned?: (entries: number) => void;
}

export interface PlanTotals {
  readonly entries: number;
  readonly files: number;
  readonly bytes: number;
}

export interface BackupPlan {
  readonly new: PlanTotals;
  readonly modified: PlanTotals;
  readonly unchanged: PlanTotals;
  readonly deleted: number;
  readonly warnings: number;
  /** What the segments will take on tape, headers and padding included (an upper bound). */
  readonly estimatedBytes: number;
}

/** Per-entry tar overhead, upper bound: a pax header block + its data block + the ustar header. */
export const ENTRY_OVERHEAD = 1536;
export const estimateTarBytes = (size: number): number => ENTRY_OVERHEAD + Math.ceil(size / 512) * 512;

const sameTime = (a: LatestVersion, e: ScannedEntry) => a.mtime_ns === e.mtimeNs.toString();

/** Size or time (or, with --checksum, content) tell whether an entry changed since the catalog's latest version. */
const classify = (previous: LatestVersion | undefined, entry: ScannedEntry, checksum: boolean): Change => {
  if (previous === undefined || previous.kind === 'deleted') return 'new';
  if (previous.kind !== entry.kind || previous.mode !== entry.mode) return 'modified';
  switch (entry.kind) {
    case 'dir':
      return sameTime(previous, entry) ? 'unchanged' : 'modified';
    case 'symlink':
      return previous.target === (entry.target ?? null) && sameTime(previous, entry) ? 'unchanged' : 'modified';
    case 'file': {
      if (previous.size !== entry.size || !sameTime(previous, entry)) return 'modified';
      if (!checksum) return 'unchanged';
      const now = hashFile(entry.path);
      return E.isRight(now) && now.right === previous.sha256 ? 'unchanged' : 'modified';
    }
  }
};

/**
 * Pass 1 of a backup: walk the roots, classify every entry against the tape's catalog
 * (a full backup takes everything as new), record it in the scan table, and find what
 * the catalog has under the roots that is gone.
 */
export const planBackup = (db: Database.Database, options: PlanOptions): { plan: BackupPlan; scan: ScanTable } => {
  const scan = new ScanTable(db);
  const state = new CatalogState(db, options.tape);
  const excluded = (path: string) => options.excludes.some((g) => g.matches(path));
  let scanned = 0;
  let estimatedBytes = 0;
  for (const item of walk(options.roots, excluded)) {
    if (item._tag === 'warning') {
      scan.warn(item.path, item.reason);
      continue;
    }
    const change = options.incremental ? classify(state.latest(item.entry.path), item.entry, options.checksum) : 'new';
    scan.add(item.entry, change);
    if (change !== 'unchanged') estimatedBytes += estimateTarBytes(item.entry.size);
    if (++scanned % 1000 === 0) options.onScanned?.(scanned);
  }
  scan.finishFill();
  const deleted = scan.findGone(options.tape, options.roots);
  const totals = scan.totals();
  const plan: BackupPlan = {
    new: totals.new,
    modified: totals.modified,
    unchanged: totals.unchanged,
    deleted,
    warnings: scan.warnings().length,
    estimatedBytes: estimatedBytes + 1024,
  };
  return { plan, scan };
};
