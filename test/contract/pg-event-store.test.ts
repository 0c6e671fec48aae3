import { after, before } from 'node:test';
import { eventReads } from '../../infrastructure/event-store/pg-event-reads';
import { PgEventStore, type PgTx } from '../../infrastructure/event-store/pg-event-store';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../support/postgres';
import { asyncEventStoreContract, type HookView, type StoreUnderTest } from './event-store.async-contract';

// One throwaway cluster for the file; each test gets its own database.
const skip = postgresSkipReason();
let server: PostgresServer | undefined;
before(async () => {
  if (skip === undefined) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

/** What a hook sees: the store's reads, run on the hook's own transaction. */
const viewOf = (tx: PgTx): HookView =>
  eventReads(async (text, values) => (await tx.query(text, values)).rows.map((row) => Object.values(row)));

const onPostgres = async (): Promise<StoreUnderTest> => {
  if (server === undefined) throw new Error('no PostgreSQL server');
  const url = await server.createDatabase();
  const open: PgEventStore[] = [await PgEventStore.open(url)];
  const first = open[0]!;
  return {
    store: first,
    onAppend: (hook) => first.onAppend(async (events, tx) => hook(events, viewOf(tx))),
    reopen: async () => {
      const again = await PgEventStore.open(url);
      open.push(again);
      return again;
    },
    close: async () => {
      for (const store of open) await store.close();
    },
  };
};

asyncEventStoreContract('PgEventStore', onPostgres, skip === undefined ? {} : { skip });
