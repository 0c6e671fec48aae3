import type Database from 'better-sqlite3';
import type { Config } from '../infrastructure/config';
import { SqliteEventStore } from '../infrastructure/event-store/sqlite-event-store';
import { openSqliteCatalog } from '../projections/sqlite/catalog';
import type { CatalogRunner, ProjectionRunner, TapeHistory } from '../projections/runner';
import type { EventStore, TapeEventEntry } from '../infrastructure/event-store/event-store';
import { newPgPool, PgEventStore, reachPg } from '../infrastructure/event-store/pg-event-store';
import { PgTapeHolds } from '../infrastructure/holds/pg-tape-holds';
import { openPgCatalog } from '../projections/postgres/catalog';
import type { AsyncTapeHistory } from '../projections/postgres/runner';
import { migrateLocalTables } from '../projections/schema';
import { SqliteMountMemory } from '../projections/sqlite/mount-memory';
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

/** A tape's audit trail before a position, read from a server store (a recalled tape's earlier events are committed). */
export const asyncTapeHistoryOf =
  (store: Pick<EventStore, 'tapeEvents'>): AsyncTapeHistory =>
  async (tape, position) =>
    isTapeId(tape)
      ? (await store.tapeEvents(tape))
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

/**
 * Wires an App on a PostgreSQL catalog shared by several hosts: one pool for the event
 * store and the catalog (the store owns it: closing the store ends it), the projections
 * hooked into the store's appends (they write through the append's transaction, so they
 * commit or roll back with the events), and caught-up projections. What is this host's
 * own (where each tape was last mounted) stays in `local`, a SQLite database of the data
 * folder. Throws what the server says (unreachable, login refused, a newer schema): the
 * caller renders it in one line.
 */
export const composePgApp = async (
  url: string,
  local: Database.Database,
  settings: AppSettings,
): Promise<{ readonly app: App; readonly runner: CatalogRunner; readonly close: () => Promise<void> }> => {
  await reachPg(url);
  const pool = newPgPool(url);
  const store = await PgEventStore.openOn(pool);
  try {
    const { catalog, runner, cursors, contacts } = await openPgCatalog(pool, store, asyncTapeHistoryOf(store));
    store.onAppend(runner.hook);
    await runner.catchUp(store);
    migrateLocalTables(local);
    // Hosts with data folders of their own see each other's tape locks here (docs/ARCHITECTURE.md, "The holder lock").
    const holds = await PgTapeHolds.open(url);
    const app: App = { ...settings, store, catalog, mounts: new SqliteMountMemory(local), cursors, contacts, holds };
    // The catalog leaves the pool to the store, which ends it; the local database is this host's.
    const close = async (): Promise<void> => {
      await holds.close();
      await catalog.close();
      await store.close();
      if (local.open) local.close();
    };
    return { app, runner, close };
  } catch (error) {
    await store.close();
    throw error;
  }
};
