import * as E from 'fp-ts/Either';
import type { Glob } from '../../domain/glob';
import { hashFile } from '../../infrastructure/scan/hash-file';
import { walk, type ScannedEntry } from '../../infrastructure/scan/walk';
import type { Names } from '../entry-names';
import type { Catalog } from '../../projections/ports/catalog';
import type { LatestVersion } from '../../projections/ports/incremental-baseline';
import type { Change, ScanTable } from '../../projections/ports/scan-table';

export interface PlanOptions {
  readonly tape: string;
  /** The tapes an incremental compares with (a set's): default the tape alone. */
  readonly baseline?: readonly string[];
  readonly roots: readonly string[];
  readonly excludes: readonly Glob[];
  readonly incremental: boolean;
  /** Compare content too (reads every file whose size and time match). */
  readonly checksum: boolean;
  /** How paths are catalogued (sealed on an encrypted tape); the scan table holds them that way. */
  readonly names: Names;
  /** The content-hash key of an encrypted tape (for --checksum). */
  readonly contentKey: Buffer | undefined;
  readonly onScanned?: (entries: number) => void;
  /** After each entry is scanned (a crash point for tests). */
  readonly onEntry?: () => void;
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

const sameTime = (a: LatestVersion, e: ScannedEntry) => a.mtimeNs === e.mtimeNs.toString();

/**
 * The same file as catalogued: its status change time and inode too, where the catalog
 * has them (entries archived before they were recorded compare by size and mtime alone).
 * A file replaced by one of the same size and mtime (`mv` over it, `cp -p`, two writes in
 * one timestamp tick) differs in one of them.
 */
const sameIdentity = (a: LatestVersion, e: ScannedEntry) =>
  (a.ctimeNs === null || a.ctimeNs === e.ctimeNs.toString()) && (a.inode === null || a.inode === e.inode.toString());

/** Size or time (or, with --checksum, content) tell whether an entry changed since the catalog's latest version. */
const classify = (previous: LatestVersion | undefined, entry: ScannedEntry, checksum: boolean, contentKey: Buffer | undefined): Change => {
  if (previous === undefined || previous.kind === 'deleted') return 'new';
  if (previous.kind !== entry.kind || previous.mode !== entry.mode || !sameIdentity(previous, entry)) return 'modified';
  switch (entry.kind) {
    case 'dir':
      return sameTime(previous, entry) ? 'unchanged' : 'modified';
    case 'symlink':
      return previous.target === (entry.target ?? null) && sameTime(previous, entry) ? 'unchanged' : 'modified';
    case 'file': {
      if (previous.size !== entry.size || !sameTime(previous, entry)) return 'modified';
      if (!checksum) return 'unchanged';
      const now = hashFile(entry.path, contentKey);
      return E.isRight(now) && now.right === previous.sha256 ? 'unchanged' : 'modified';
    }
  }
};

/**
 * Pass 1 of a backup: walk the roots, classify every entry against the tape's catalog
 * (a full backup takes everything as new), record it in the scan table, and find what
 * the catalog has under the roots that is gone.
 */
export const planBackup = async (catalog: Catalog, options: PlanOptions): Promise<{ plan: BackupPlan; scan: ScanTable }> => {
  const scan = await catalog.scanTable();
  const state = await catalog.baseline(options.tape, options.baseline);
  const excluded = (path: string) => options.excludes.some((g) => g.matches(path));
  const names = options.names;
  let scanned = 0;
  let estimatedBytes = 0;
  for (const item of walk(options.roots, excluded)) {
    if (item._tag === 'warning') {
      const stored = names.path(item.path);
      scan.warn(stored, names.text(stored, item.reason), item.lost === true);
      continue;
    }
    // Compared and recorded as the catalog holds paths: the scanned entry as it will be catalogued.
    const path = names.path(item.entry.path);
    const { target, ...rest } = item.entry;
    const entry: ScannedEntry = { ...rest, path, ...(target === undefined ? {} : { target: names.text(path, target) }) };
    const change = options.incremental ? classify(state.latest(path), { ...entry, path: item.entry.path }, options.checksum, options.contentKey) : 'new';
    scan.add(entry, change);
    if (change !== 'unchanged') estimatedBytes += estimateTarBytes(item.entry.size);
    options.onEntry?.();
    if (++scanned % 1000 === 0) options.onScanned?.(scanned);
  }
  scan.finishFill();
  const deleted = await scan.findGone(options.tape, options.roots.map((root) => names.path(root)), options.baseline);
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
