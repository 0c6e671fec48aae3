import type { ScannedEntry } from '../../infrastructure/scan/walk';

export type Change = 'new' | 'modified' | 'unchanged';

export interface PlannedEntry extends ScannedEntry {
  readonly seq: number;
  readonly change: Change;
}

export interface ChangeTotals {
  readonly entries: number;
  readonly files: number;
  readonly bytes: number;
}

/**
 * The scan of one backup, held by the catalog rather than in memory (a backup may see
 * millions of entries): filled entry by entry, then read back in scan order, with the
 * catalogued paths the scan no longer saw. One per backup; a new one empties the last.
 */
export interface ScanTable {
  add(entry: ScannedEntry, change: Change): void;
  /** `lost`: something left off the tape (could not stat or list), as opposed to a special file skipped by design. */
  warn(path: string, reason: string, lost?: boolean): void;
  /** How many scanned paths (or folders' contents) could not be archived. */
  lost(): number;
  /** Ends the fill (commits its last batch); call before reading. */
  finishFill(): void;
  totals(): Record<Change, ChangeTotals>;
  /** Entries to write, in scan order, page by page. */
  toWrite(): Generator<PlannedEntry>;
  warnings(): { path: string; reason: string }[];
  /**
   * Catalogued paths of `tape` at or under `roots` whose latest version exists but that
   * the scan did not see (and that no scan warning hides). Returns how many.
   */
  findGone(tape: string, roots: readonly string[], tapes?: readonly string[]): Promise<number>;
  /** The gone paths, in order, page by page. */
  gone(): Generator<string>;
}
