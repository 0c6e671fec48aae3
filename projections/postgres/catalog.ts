import type { Pool } from 'pg';
import type { CatalogCheck } from '../check';
import type { TapeContents } from '../ports/tape-contents';
import { migrateSharedTables, PgContactMemos, PgJournalCursors } from './bookkeeping';
import { PgBrowseQueries } from './browse-queries';
import { pgCheckCatalog } from './check';
import { PgCopyQueries } from './copy-queries';
import { PgFolderPages } from './folder-pages';
import { PgLabelQueries } from './label-queries';
import { PG_PROJECTIONS } from './registry';
import { PgProjectionRunner, type AsyncEventSource, type AsyncTapeHistory } from './runner';
import { PgSearchQueries } from './search-queries';
import { PgSetQueries } from './set-queries';
import { pgTapeContents } from './tape-contents';
import { PgTapeQueries } from './tape-queries';
import { PgVerifyQueries } from './verify-queries';
import { SqliteIncrementalBaseline } from '../sqlite/incremental-baseline';
import { TapeScratch } from './scratch';
import { PgRestoreSelection, PgScanTable } from './working-tables';

/**
 * The catalog's read ports on a PostgreSQL pool (the shared catalog of several hosts), in
 * the async form of projections/ports/ (async-spec). Reads go to the pool: each sees what
 * is committed, the other hosts' appends included.
 */
export class PgCatalog extends PgTapeQueries {
  readonly labels: PgLabelQueries;
  readonly search: PgSearchQueries;
  readonly browse: PgBrowseQueries;
  readonly verify: PgVerifyQueries;
  readonly sets: PgSetQueries;
  readonly copies: PgCopyQueries;
  readonly folders: PgFolderPages;

  constructor(
    private readonly pool: Pool,
    private readonly runner: PgProjectionRunner,
    private readonly source: AsyncEventSource,
  ) {
    super(pool);
    this.labels = new PgLabelQueries(pool);
    this.search = new PgSearchQueries(pool, pool);
    this.browse = new PgBrowseQueries(pool);
    this.verify = new PgVerifyQueries(pool);
    this.sets = new PgSetQueries(pool);
    this.copies = new PgCopyQueries(pool);
    this.folders = new PgFolderPages(pool);
  }

  /** The latest version of each path of a tape (or a set's tapes), copied once into a local scratch database. */
  async baseline(tape: string, tapes?: readonly string[]): Promise<SqliteIncrementalBaseline> {
    const scratch = new TapeScratch(this.pool);
    await scratch.load(tapes ?? [tape]);
    return new SqliteIncrementalBaseline(scratch.db, tape, tapes);
  }

  scanTable(): Promise<PgScanTable> {
    return Promise.resolve(new PgScanTable(new TapeScratch(this.pool)));
  }

  restoreSelection(): Promise<PgRestoreSelection> {
    return Promise.resolve(new PgRestoreSelection(new TapeScratch(this.pool)));
  }

  tapeContents(tape: string): Promise<TapeContents> {
    return pgTapeContents(this.pool, tape);
  }

  check(): Promise<CatalogCheck> {
    return pgCheckCatalog(this.pool, this.runner, this.source, PG_PROJECTIONS.flatMap((p) => p.tables));
  }

  /** The pool is the caller's (the event store shares it): closing the catalog leaves it open. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface OpenedPgCatalog {
  readonly catalog: PgCatalog;
  /** Its `hook` goes to the PostgreSQL event store's append; `catchUp` and `rebuild` as the SQLite runner's. */
  readonly runner: PgProjectionRunner;
  /** Shared: how far each tape's journal is in the shared store. (Mount memory stays the host's own SQLite.) */
  readonly cursors: PgJournalCursors;
  readonly contacts: PgContactMemos;
}

/**
 * The catalog on a PostgreSQL pool: its tables brought to this version's shape (tables of
 * another shape dropped, for `runner.catchUp`), its read ports, and the shared bookkeeping
 * (journal cursors, contact memos). The mount memory is not here: a host keeps its own.
 */
export const openPgCatalog = async (pool: Pool, source: AsyncEventSource, tapeHistory?: AsyncTapeHistory): Promise<OpenedPgCatalog> => {
  const runner = await PgProjectionRunner.open(pool, tapeHistory);
  await migrateSharedTables(pool);
  return { catalog: new PgCatalog(pool, runner, source), runner, cursors: new PgJournalCursors(pool), contacts: new PgContactMemos(pool) };
};
