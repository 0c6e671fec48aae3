import type { Glob } from '../../domain/glob';
import type { RestoreEntry } from '../../infrastructure/restore/restore-writer';

/** An entry a restore takes, in its place in the selection. */
export interface SelectedEntry extends RestoreEntry {
  readonly seq: number;
  /** A piece of a file split across tapes: where it starts in the file, and the file's size. */
  readonly fileOffset: number | null;
  readonly fileSize: number | null;
}

/** Which rows one pass (one tape) of a restore takes: the tape's tree as of a job, or one job's own entries (a later part of a span). */
export interface PassScope {
  readonly pass: number;
  readonly onlyJob?: string;
}

/** How a catalogued path reads in the clear (sealed on an encrypted tape); undefined when it does not open. */
export interface PathOpener {
  tryOpen(stored: string): string | undefined;
}

/** Orders segments as the tape holds them (LTFS partition and start block). */
export type SegmentRank = (job: string, segment: number) => number;

/**
 * What a restore will write: the tree of a tape as of one job (the latest version of
 * every path up to that job, deleted ones left out), filtered by globs, in tape order
 * (job, segment, offset) so the restore reads each segment forward. A job that spans
 * tapes is restored in passes, one per tape; pieces of a split file are kept apart
 * (`pieces`). Held by the catalog (100,000+ rows), read back page by page.
 */
export interface RestoreSelection {
  /** Fills the selection (one pass); returns how many entries it holds. */
  select(tape: string, asOfOrdinal: number, globs: readonly Glob[], names: PathOpener, segmentRank?: SegmentRank, scope?: PassScope): Promise<number>;
  /** Puts one pass's rows in the order its tape reports (for the tapes of a span after the first). */
  rankPass(pass: number, segmentRank: SegmentRank): void;
  /** After every pass: a later part's version of a path replaces an earlier pass's, pieces of one split file all stay. */
  settle(): void;
  count(): number;
  totals(): { files: number; bytes: number; dirs: number; symlinks: number };
  /** Entries of one kind in one pass, in tape order (files; pieces left to `pieces`) or path order (the others). */
  ofKind(kind: 'file' | 'dir' | 'symlink', order?: 'tape' | 'path' | 'path-desc', pass?: number): Generator<SelectedEntry>;
  /** The catalogued paths hard links of one pass name as their first name. */
  linkTargets(pass?: number): string[];
  /** The pieces of split files in one pass, in tape order. */
  pieces(pass?: number): SelectedEntry[];
}
