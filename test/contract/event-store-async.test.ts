import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StoredEvent } from '../../domain/envelope';
import type { AsyncEventStore } from '../../infrastructure/event-store/async-event-store';
import type { EventStore } from '../../infrastructure/event-store/event-store';
import { MemoryEventStore } from '../../infrastructure/event-store/memory-event-store';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import { asyncEventStoreContract, type ContractHook, type StoreUnderTest } from './event-store.async-contract';

/**
 * The asynchronous contract on the embedded stores, so that one suite runs against the
 * memory store, SQLite and PostgreSQL (issue 21). The wrapper awaits whatever a method
 * returns, so it fits the synchronous port of today and the asynchronous one alike; once
 * every store is asynchronous it can go, and event-store.test.ts with it.
 */
const asAsync = (store: EventStore): AsyncEventStore => ({
  append: async (events, placement) => store.append(events, placement),
  importEvents: async (events, placement) => store.importEvents(events, placement),
  readStream: async (stream) => store.readStream(stream),
  readStreamOfTypes: async (stream, types) => store.readStreamOfTypes(stream, types),
  streamVersion: async (stream) => store.streamVersion(stream),
  readAll: (from, size) => store.readAll(from, size),
  lastPosition: async () => store.lastPosition(),
  knownIds: async (ids) => store.knownIds(ids),
  tapeEvents: async (tape) => store.tapeEvents(tape),
  pendingFor: async (tape) => store.pendingFor(tape),
  markWritten: async (tape, written) => store.markWritten(tape, written),
  markUnwritten: async (tape, fromSeq) => store.markUnwritten(tape, fromSeq),
  lastSeq: async (tape) => store.lastSeq(tape),
  writtenIdsFrom: async (tape, fromSeq) => store.writtenIdsFrom(tape, fromSeq),
  close: async () => undefined,
});

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
      void hook(events, asAsync(store));
    });

const sqliteOnFile = async (): Promise<StoreUnderTest> => {
  const dir = mkdtempSync(join(tmpdir(), 'lto-event-store-'));
  const file = join(dir, 'catalog.db');
  const open: Database.Database[] = [new Database(file)];
  const first = new SqliteEventStore(open[0]!);
  return {
    store: asAsync(first),
    onAppend: hookOn(first),
    reopen: async () => {
      for (const db of open) db.close();
      const db = new Database(file);
      open.push(db);
      return asAsync(new SqliteEventStore(db));
    },
    close: async () => {
      for (const db of open) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const inMemory = async (): Promise<StoreUnderTest> => {
  const store = new MemoryEventStore();
  return { store: asAsync(store), onAppend: hookOn(store), close: async () => undefined };
};

asyncEventStoreContract('SqliteEventStore on a file', sqliteOnFile);
asyncEventStoreContract('MemoryEventStore', inMemory);
