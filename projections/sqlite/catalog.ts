import type Database from 'better-sqlite3';
import { checkCatalog, type CatalogCheck } from '../check';
import type { Catalog } from '../ports/catalog';
import type { ContactMemos } from '../ports/contact-memos';
import type { JournalCursors } from '../ports/journal-cursors';
import type { MountMemory } from '../ports/mount-memory';
import type { TapeContents } from '../ports/tape-contents';
import { PROJECTIONS } from '../registry';
import { migrateLocalTables } from '../schema';
import { ProjectionRunner, type EventSource, type TapeHistory } from '../runner';
import { SqliteBrowseQueries } from './browse-queries';
import { SqliteContactMemos } from './contact-memos';
import { SqliteCopyQueries } from './copies-queries';
import { SqliteFolderPages } from './folder-pages';
import { SqliteIncrementalBaseline } from './incremental-baseline';
import { SqliteJournalCursors } from './journal-cursors';
import { SqliteLabelQueries } from './label-queries';
import { SqliteMountMemory } from './mount-memory';
import { SqliteRestoreSelection } from './restore-selection';
import { SqliteScanTable } from './scan-table';
import { SqliteSearchQueries } from './search-queries';
import { SqliteSetQueries } from './set-queries';
import { tapeContents } from './tape-contents';
import { SqliteTapeQueries } from './tape-queries';
import { SqliteVerifyQueries } from './verify-queries';

/** The catalog's ports on one SQLite connection (the event store's: projections commit with the events). */
class SqliteCatalog extends SqliteTapeQueries implements Catalog {
  readonly labels: SqliteLabelQueries;
  readonly search: SqliteSearchQueries;
  readonly browse: SqliteBrowseQueries;
  readonly verify: SqliteVerifyQueries;
  readonly sets: SqliteSetQueries;
  readonly copies: SqliteCopyQueries;
  readonly folders: SqliteFolderPages;

  constructor(
    private readonly connection: Database.Database,
    private readonly source: EventSource,
    private readonly tapeHistory: TapeHistory,
  ) {
    super(connection);
    this.labels = new SqliteLabelQueries(connection);
    this.search = new SqliteSearchQueries(connection);
    this.browse = new SqliteBrowseQueries(connection);
    this.verify = new SqliteVerifyQueries(connection);
    this.sets = new SqliteSetQueries(connection);
    this.copies = new SqliteCopyQueries(connection);
    this.folders = new SqliteFolderPages(connection);
  }

  async baseline(tape: string, tapes?: readonly string[]): Promise<SqliteIncrementalBaseline> {
    return new SqliteIncrementalBaseline(this.connection, tape, tapes);
  }

  async scanTable(): Promise<SqliteScanTable> {
    return new SqliteScanTable(this.connection);
  }

  async restoreSelection(): Promise<SqliteRestoreSelection> {
    return new SqliteRestoreSelection(this.connection);
  }

  async tapeContents(tape: string): Promise<TapeContents> {
    return tapeContents(this.connection, tape);
  }

  check(): Promise<CatalogCheck> {
    return checkCatalog(this.connection, this.source, PROJECTIONS, this.tapeHistory);
  }

  /** Closes the connection (the event store's too: they share it). */
  async close(): Promise<void> {
    if (this.connection.open) this.connection.close();
  }
}

/** Everything the application keeps in the catalog database, as ports. */
export interface OpenedCatalog {
  readonly catalog: Catalog;
  /** Applies appended events, catches up, rebuilds (`lto catalog rebuild`), defers indexes for a bulk recovery. */
  readonly runner: ProjectionRunner;
  readonly mounts: MountMemory;
  readonly cursors: JournalCursors;
  readonly contacts: ContactMemos;
}

/**
 * The catalog on one SQLite connection: its schema brought up to date (tables of another
 * shape dropped, to be built again by `runner.catchUp`), its read ports and the local
 * bookkeeping (mounts, journal cursors, contact memos) that is not projected from events.
 */
export const openSqliteCatalog = (db: Database.Database, source: EventSource, tapeHistory: TapeHistory): OpenedCatalog => {
  const runner = new ProjectionRunner(db, PROJECTIONS, tapeHistory);
  migrateLocalTables(db);
  return {
    catalog: new SqliteCatalog(db, source, tapeHistory),
    runner,
    mounts: new SqliteMountMemory(db),
    cursors: new SqliteJournalCursors(db),
    contacts: new SqliteContactMemos(db),
  };
};
