import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StoredEvent } from '../../domain/envelope';
import type { EventStore } from '../../infrastructure/event-store/event-store';
import { MemoryEventStore } from '../../infrastructure/event-store/memory-event-store';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { asyncEventStoreContract, type ContractHook, type StoreUnderTest } from './event-store.async-contract';

/**
 * The asynchronous contract on the embedded stores, so that one suite runs against the
 * memory store, SQLite and PostgreSQL (issue 21).
 */
/**
 * An embedded store's hooks are synchronous (inside a better-sqlite3 transaction, which
 * cannot await): a contract hook runs up to its first await inside the transaction; what
 * it does after runs once the append is done (the synchronous contract checks these
 * stores' hooks inside the transaction).
 */
const hookOn =
  (store: EventStore & { onAppend(hook: (events: readonly StoredEvent[]) => void): void }) =>
  (hook: ContractHook): void =>
    store.onAppend((events) => {
      void hook(events, store);
    });

const sqliteOnFile = async (): Promise<StoreUnderTest> => {
  const dir = mkdtempSync(join(tmpdir(), 'lto-event-store-'));
  const file = join(dir, 'catalog.db');
  const open: Database.Database[] = [new Database(file)];
  const first = new SqliteEventStore(open[0]!);
  return {
    store: first,
    onAppend: hookOn(first),
    reopen: async () => {
      for (const db of open) db.close();
      const db = new Database(file);
      open.push(db);
      return new SqliteEventStore(db);
    },
    close: async () => {
      for (const db of open) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const inMemory = async (): Promise<StoreUnderTest> => {
  const store = new MemoryEventStore();
  return { store, onAppend: hookOn(store), close: async () => undefined };
};

asyncEventStoreContract('SqliteEventStore on a file', sqliteOnFile);
asyncEventStoreContract('MemoryEventStore', inMemory);
