import type { CatalogCheck } from '../check';
import type { BrowseQueries } from './browse-queries';
import type { CopyQueries } from './copy-queries';
import type { FolderPages } from './folder-pages';
import type { IncrementalBaseline } from './incremental-baseline';
import type { JobQueries } from './job-queries';
import type { LabelQueries } from './label-queries';
import type { RestoreSelection } from './restore-selection';
import type { ScanTable } from './scan-table';
import type { SearchQueries } from './search-queries';
import type { SetQueries } from './set-queries';
import type { TapeContents } from './tape-contents';
import type { TapeQueries } from './tape-queries';
import type { VerifyQueries } from './verify-queries';

/**
 * The catalog as use cases see it: typed read ports over the projections, and the
 * catalog's working tables of one job (a backup's scan, a restore's selection). Records
 * are domain-shaped (camelCase, decoded once); no SQL and no database handle leave the
 * catalog module (projections/). Tapes and jobs are asked directly (`catalog.tapes()`,
 * `catalog.jobs()`), each other read model through its own port: a new read model adds
 * a port file in projections/ports/ and a member here.
 *
 * Every read of the shared catalog is asynchronous (a server database may answer it);
 * the working tables of one job stay synchronous and local to the host, because they are
 * hit once per file in hot loops: only filling a selection (`select`) and finding gone
 * paths (`findGone`), which read the shared catalog, return Promises.
 */
export interface Catalog extends TapeQueries, JobQueries {
  readonly labels: LabelQueries;
  readonly search: SearchQueries;
  readonly browse: BrowseQueries;
  readonly verify: VerifyQueries;
  /** Tape sets and where each tape is. */
  readonly sets: SetQueries;
  /** Where each backup job's data is held: the original and its copies (`lto copy`). */
  readonly copies: CopyQueries;
  /** A folder a page at a time (the web catalog). */
  readonly folders: FolderPages;
  /**
   * The latest version of each path of a tape: what an incremental backup compares with;
   * with `tapes` (a set's), the newest version on any of them.
   */
  baseline(tape: string, tapes?: readonly string[]): Promise<IncrementalBaseline>;
  /** A new, empty scan table for one backup (it empties the last one's). */
  scanTable(): Promise<ScanTable>;
  /** A new, empty selection for one restore. */
  restoreSelection(): Promise<RestoreSelection>;
  /** What the catalog knows of one tape, as sorted lines (two catalogs holding the same tape give equal contents). */
  tapeContents(tape: string): Promise<TapeContents>;
  /** Proves the live projections equal a fresh replay of every event (`lto catalog check`). */
  check(): Promise<CatalogCheck>;
  /** Releases the catalog (its database handle or connection); nothing may be asked after. */
  close(): Promise<void>;
}
