import type Database from 'better-sqlite3';
import type { Config } from '../infrastructure/config';
import { SqliteEventStore } from '../infrastructure/event-store/sqlite-event-store';
import { openSqliteCatalog } from '../projections/sqlite/catalog';
import type { ProjectionRunner, TapeHistory } from '../projections/runner';
import type { TapeEventEntry } from '../infrastructure/event-store/event-store';
import { isTapeId, type TapeId } from '../domain/tape-id';
import type { App } from './app';

/** A store that reads a tape's audit trail synchronously: inside its own append transaction, where projections run. */
export interface SyncTapeEvents {
  tapeEventsSync(tape: TapeId): readonly TapeEventEntry[];
}

/** A tape's audit trail before a position, in position order (what a recalled tape is projected from). */
export const tapeHistoryOf =
  (store: SyncTapeEvents): TapeHistory =>
  (tape, position) =>
    isTapeId(tape)
      ? store
          .tapeEventsSync(tape)
          .map((entry) => entry.event)
          .filter((event) => event.position < position)
          .sort((a, b) => a.position - b.position)
      : [];

export type AppSettings = Omit<App, 'store' | 'catalog' | 'mounts' | 'cursors' | 'contacts'> & { readonly config: Config };

/**
 * Wires an App on one SQLite database: the event store with the projections hooked
 * into its appends (one transaction), the catalog's ports, and caught-up projections.
 * The database handle stays here: use cases get ports.
 */
export const composeApp = async (
  db: Database.Database,
  settings: AppSettings,
): Promise<{ readonly app: App; readonly runner: ProjectionRunner; readonly tapeHistory: TapeHistory }> => {
  const store = new SqliteEventStore(db);
  const tapeHistory = tapeHistoryOf(store);
  const { catalog, runner, mounts, cursors, contacts } = openSqliteCatalog(db, store, tapeHistory);
  // Synchronous, inside the append's transaction: the projections commit or roll back with the events.
  store.onAppend((events) => runner.apply(events));
  await runner.catchUp(store);
  const app: App = { ...settings, store, catalog, mounts, cursors, contacts };
  return { app, runner, tapeHistory };
};
