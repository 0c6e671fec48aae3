import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MemoryEventStore } from '../../infrastructure/event-store/memory-event-store';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { eventStoreContract, type StoreUnderTest } from './event-store.contract';

/** A store on a database file in its own temp folder; `reopen` closes it and opens the file again. */
const sqliteOnFile = (): StoreUnderTest => {
  const dir = mkdtempSync(join(tmpdir(), 'lto-event-store-'));
  const file = join(dir, 'catalog.db');
  const open: Database.Database[] = [new Database(file)];
  const store = new SqliteEventStore(open[0]!);
  return {
    store,
    onAppend: (hook) => store.onAppend(hook),
    readsSynchronously: true,
    reopen: () => {
      for (const db of open) db.close();
      const db = new Database(file);
      open.push(db);
      return new SqliteEventStore(db);
    },
    close: () => {
      for (const db of open) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const sqliteInMemory = (): StoreUnderTest => {
  const db = new Database(':memory:');
  const store = new SqliteEventStore(db);
  return { store, onAppend: (hook) => store.onAppend(hook), readsSynchronously: true, close: () => {
      db.close();
    } };
};

const inMemory = (): StoreUnderTest => {
  const store = new MemoryEventStore();
  return { store, onAppend: (hook) => store.onAppend(hook), readsSynchronously: true, close: () => store.close() };
};

eventStoreContract('SqliteEventStore on a file', sqliteOnFile);
eventStoreContract('SqliteEventStore in :memory:', sqliteInMemory);
eventStoreContract('MemoryEventStore', inMemory);
