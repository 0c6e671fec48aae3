import type { Glob } from '../../domain/glob';
import type { ScannedEntry } from '../../infrastructure/scan/walk';
import type { PassScope, PathOpener, SegmentRank, SelectedEntry } from '../ports/restore-selection';
import type { Change, ChangeTotals, PlannedEntry } from '../ports/scan-table';
import { SqliteRestoreSelection } from '../sqlite/restore-selection';
import { SqliteScanTable } from '../sqlite/scan-table';
import type { TapeScratch } from './scratch';

/**
 * A backup's scan on a host with a shared catalog (ScanTable, async-spec): the scan is
 * filled and read locally (SqliteScanTable on the job's scratch database); finding what
 * is gone first copies the catalogued files of the tapes it compares with.
 */
export class PgScanTable {
  private readonly local: SqliteScanTable;

  constructor(private readonly scratch: TapeScratch) {
    this.local = new SqliteScanTable(scratch.db);
  }

  add(entry: ScannedEntry, change: Change): void {
    this.local.add(entry, change);
  }

  warn(path: string, reason: string, lost?: boolean): void {
    this.local.warn(path, reason, lost);
  }

  lost(): number {
    return this.local.lost();
  }

  finishFill(): void {
    this.local.finishFill();
  }

  totals(): Record<Change, ChangeTotals> {
    return this.local.totals();
  }

  toWrite(): Generator<PlannedEntry> {
    return this.local.toWrite();
  }

  warnings(): { path: string; reason: string }[] {
    return this.local.warnings();
  }

  async findGone(tape: string, roots: readonly string[], tapes?: readonly string[]): Promise<number> {
    await this.scratch.load(tapes ?? [tape]);
    return this.local.findGone(tape, roots, tapes);
  }

  gone(): Generator<string> {
    return this.local.gone();
  }
}

/**
 * A restore's selection on a host with a shared catalog (RestoreSelection, async-spec):
 * `select` copies the tape's catalogued files into the job's scratch database first, then
 * everything runs locally (SqliteRestoreSelection).
 */
export class PgRestoreSelection {
  private readonly local: SqliteRestoreSelection;

  constructor(private readonly scratch: TapeScratch) {
    this.local = new SqliteRestoreSelection(scratch.db);
  }

  async select(tape: string, asOfOrdinal: number, globs: readonly Glob[], names: PathOpener, segmentRank?: SegmentRank, scope?: PassScope): Promise<number> {
    await this.scratch.load([tape]);
    return this.local.select(tape, asOfOrdinal, globs, names, segmentRank, scope);
  }

  rankPass(pass: number, segmentRank: SegmentRank): void {
    this.local.rankPass(pass, segmentRank);
  }

  settle(): void {
    this.local.settle();
  }

  count(): number {
    return this.local.count();
  }

  totals(): { files: number; bytes: number; dirs: number; symlinks: number } {
    return this.local.totals();
  }

  ofKind(kind: 'file' | 'dir' | 'symlink', order?: 'tape' | 'path' | 'path-desc', pass?: number): Generator<SelectedEntry> {
    return this.local.ofKind(kind, order, pass);
  }

  linkTargets(pass?: number): string[] {
    return this.local.linkTargets(pass);
  }

  pieces(pass?: number): SelectedEntry[] {
    return this.local.pieces(pass);
  }
}
