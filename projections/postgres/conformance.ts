/**
 * Type-level proof that the PostgreSQL catalog has the async-spec shape of every port
 * (/work/prompts/async-spec.md), checked by the compiler today against the async form
 * derived from main's synchronous ports (`Promised<Port>`). When the async ports are merged,
 * replace each `Promised<X>` below by `X` itself (and `PromisedSearch` by `SearchQueries`),
 * then add `implements X` to the classes and delete this file.
 */
import type { BrowseQueries } from '../ports/browse-queries';
import type { ContactMemos } from '../ports/contact-memos';
import type { CopyQueries } from '../ports/copy-queries';
import type { FolderPages } from '../ports/folder-pages';
import type { IncrementalBaseline } from '../ports/incremental-baseline';
import type { JobQueries } from '../ports/job-queries';
import type { JournalCursors } from '../ports/journal-cursors';
import type { LabelQueries } from '../ports/label-queries';
import type { RestoreSelection } from '../ports/restore-selection';
import type { ScanTable } from '../ports/scan-table';
import type { DirRow, HitRow, SearchQueries } from '../ports/search-queries';
import type { SetQueries } from '../ports/set-queries';
import type { TapeContents } from '../ports/tape-contents';
import type { TapeQueries } from '../ports/tape-queries';
import type { VerifyQueries } from '../ports/verify-queries';
import type { CatalogCheck } from '../check';
import type { PgContactMemos, PgJournalCursors } from './bookkeeping';
import type { PgCatalog } from './catalog';
import type { PgRestoreSelection, PgScanTable } from './working-tables';

/** Every method of a port returning a Promise of what it returns today. */
type Promised<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K] };
/** The search port of the spec: `dirs()` and `allHits()` are async iterables. */
type PromisedSearch = Omit<Promised<SearchQueries>, 'dirs' | 'allHits'> & {
  dirs(): AsyncIterable<DirRow>;
  allHits(tapes: readonly string[] | undefined): AsyncIterable<HitRow>;
};
/** ScanTable of the spec: only `findGone` is async. */
type SpecScanTable = Omit<ScanTable, 'findGone'> & Pick<Promised<ScanTable>, 'findGone'>;
/** RestoreSelection of the spec: only `select` is async. */
type SpecRestoreSelection = Omit<RestoreSelection, 'select'> & Pick<Promised<RestoreSelection>, 'select'>;

/** The spec's Catalog: its queries async, its working tables made asynchronously and used synchronously. */
interface SpecCatalog extends Promised<TapeQueries>, Promised<JobQueries> {
  readonly labels: Promised<LabelQueries>;
  readonly search: PromisedSearch;
  readonly browse: Promised<BrowseQueries>;
  readonly verify: Promised<VerifyQueries>;
  readonly sets: Promised<SetQueries>;
  readonly copies: Promised<CopyQueries>;
  readonly folders: Promised<FolderPages>;
  baseline(tape: string, tapes?: readonly string[]): Promise<IncrementalBaseline>;
  scanTable(): Promise<SpecScanTable>;
  restoreSelection(): Promise<SpecRestoreSelection>;
  tapeContents(tape: string): Promise<TapeContents>;
  check(): Promise<CatalogCheck>;
  close(): Promise<void>;
}

// Each line fails to compile if the class drifts from the spec's shape.
export const conformsToCatalog = (c: PgCatalog): SpecCatalog => c;
export const conformsToScanTable = (s: PgScanTable): SpecScanTable => s;
export const conformsToRestoreSelection = (s: PgRestoreSelection): SpecRestoreSelection => s;
export const conformsToJournalCursors = (c: PgJournalCursors): Promised<JournalCursors> => c;
export const conformsToContactMemos = (c: PgContactMemos): Promised<ContactMemos> => c;
