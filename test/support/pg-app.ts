import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { App } from '../../application/app';
import type { AppSettings } from '../../application/compose';
import { isTapeId } from '../../domain/tape-id';
import { PgEventStore } from '../../infrastructure/event-store/pg-event-store';
import { PgTapeHolds } from '../../infrastructure/holds/pg-tape-holds';
import { openPgCatalog } from '../../projections/postgres/catalog';
import type { AsyncTapeHistory } from '../../projections/postgres/runner';
import { SqliteMountMemory } from '../../projections/sqlite/mount-memory';

/**
 * An App on a shared PostgreSQL catalog, wired as a host's would be: the PostgreSQL event
 * store with the catalog's projections in its append transaction, the shared bookkeeping,
 * tape holds, and the host's own mount memory in a SQLite file under `dataDir`. (The
 * CLI's own composition root is branch pg-wiring's; this one is for tests of the ports.)
 */
export const pgApp = async (url: string, settings: AppSettings): Promise<{ readonly app: App; readonly close: () => Promise<void> }> => {
  const store = await PgEventStore.open(url);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  const history: AsyncTapeHistory = async (tape, position) =>
    isTapeId(tape)
      ? (await store.tapeEvents(tape))
          .map((entry) => entry.event)
          .filter((event) => event.position < position)
          .sort((a, b) => a.position - b.position)
      : [];
  const opened = await openPgCatalog(pool, store, history);
  store.onAppend((events, tx) => opened.runner.hook(events, tx));
  await opened.runner.catchUp(store);
  fs.mkdirSync(settings.dataDir, { recursive: true });
  const local = new Database(path.join(settings.dataDir, 'mounts.db'));
  local.exec('CREATE TABLE IF NOT EXISTS tape_mounts (tape TEXT PRIMARY KEY, path TEXT NOT NULL, seen_at TEXT NOT NULL)');
  const holds = await PgTapeHolds.open(url);
  const app: App = { ...settings, store, catalog: opened.catalog, mounts: new SqliteMountMemory(local), cursors: opened.cursors, contacts: opened.contacts, holds };
  return {
    app,
    close: async () => {
      await holds.close();
      await opened.catalog.close();
      await pool.end();
      await store.close();
      local.close();
    },
  };
};
