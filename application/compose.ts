import type Database from 'better-sqlite3';
import type { Config } from '../infrastructure/config';
import { SqliteEventStore } from '../infrastructure/event-store/sqlite-event-store';
import { ContactMemos } from '../infrastructure/tape/contact-memos';
import { JournalCursors } from '../infrastructure/tape/journal-cursors';
import { MountMemory } from '../infrastructure/tape/mount-memory';
import { CatalogQueries } from '../projections/queries';
import { CopyQueries } from '../projections/copies-queries';
import { PROJECTIONS } from '../projections/registry';
import { SetQueries } from '../projections/set-queries';
import { ProjectionRunner, type TapeHistory } from '../projections/runner';
import type { EventStore } from '../infrastructure/event-store/event-store';
import { isTapeId } from '../domain/tape-id';
import type { App } from './app';

/** A tape's audit trail before a position, in position order (what a recalled tape is projected from). */
export const tapeHistoryOf =
  (store: EventStore): TapeHistory =>
  (tape, position) =>
    isTapeId(tape)
      ? store
          .tapeEvents(tape)
          .map((entry) => entry.event)
          .filter((event) => event.position < position)
          .sort((a, b) => a.position - b.position)
      : [];

export type AppSettings = Omit<App, 'db' | 'store' | 'catalog' | 'sets' | 'copies' | 'mounts' | 'cursors' | 'contacts'> & { readonly config: Config };

/**
 * Wires an App on one SQLite database: the event store with the projections hooked
 * into its appends (one transaction), the catalog queries, and caught-up projections.
 */
export const composeApp = async (
  db: Database.Database,
  settings: AppSettings,
): Promise<{ readonly app: App; readonly runner: ProjectionRunner }> => {
  const store = new SqliteEventStore(db);
  const runner = new ProjectionRunner(db, PROJECTIONS, tapeHistoryOf(store));
  store.onAppend((events) => runner.apply(events));
  await runner.catchUp(store);
  const app: App = { ...settings, db, store, catalog: new CatalogQueries(db), sets: new SetQueries(db), copies: new CopyQueries(db), mounts: new MountMemory(db), cursors: new JournalCursors(db), contacts: new ContactMemos(db) };
  return { app, runner };
};
