/** An archived version found by `lto search`, with where the catalog holds it (paths as stored). */
export interface HitRow {
  readonly tape: string;
  readonly dir: string;
  readonly name: string;
  readonly kind: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mtimeNs: string;
  readonly job: string;
  /** When the job that archived it started. */
  readonly backedUpAt: string;
}

/** A distinct name on one tape, and how many archived versions carry it there. */
export interface NameOnTape {
  readonly tape: string;
  readonly name: string;
  readonly versions: number;
}

export interface DirRow {
  readonly id: number;
  readonly tape: string;
  readonly path: string;
}

/** The read side of `lto search` over the name index (see projections/search.ts). */
export interface SearchQueries {
  /**
   * Names ending with a suffix (their reversed lowercase form starts with `reversedSuffix`):
   * the count of versions, and the first `limit` names by tape and name.
   */
  suffixPage(reversedSuffix: string, tapes: readonly string[], limit: number): Promise<{ total: number; names: NameOnTape[] }>;
  /** Names holding every literal (case-insensitive), a superset the caller filters exactly; none: every name. */
  namesContaining(literals: readonly string[]): Promise<NameOnTape[]>;
  /** The versions of one name on one tape, by folder and age. */
  hitsOfName(tape: string, name: string, limit: number): Promise<HitRow[]>;
  dirs(): AsyncIterable<DirRow>;
  /** The entries directly in one folder, as `[id, name]`, by name and age (no 'deleted' rows). */
  entryNamesIn(dirId: number): Promise<[number, string][]>;
  /** These entries as results, in the order given. */
  hitsByIds(ids: readonly number[]): Promise<HitRow[]>;
  /** Every version on these tapes (all tapes: `undefined`). */
  allHits(tapes: readonly string[] | undefined): AsyncIterable<HitRow>;
}
