import { lastValueFrom, concatMap } from 'rxjs';
import type { Pool } from 'pg';
import { isTapeId } from '../../domain/tape-id';
import type { EventStore } from '../../infrastructure/event-store/event-store';
import { openPgCatalog, type OpenedPgCatalog } from '../../projections/postgres/catalog';
import { inPgTransaction, PG_TYPES } from '../../projections/postgres/pg-sql';
import type { AsyncEventSource, AsyncTapeHistory } from '../../projections/postgres/runner';

/** The SQLite store as the source the PostgreSQL runner reads. */
export const asyncSource = (store: EventStore): AsyncEventSource => ({
  readAll: (from, batch) => store.readAll(from, batch),
  lastPosition: () => store.lastPosition(),
});

/** A tape's audit trail before a position, from the SQLite store, as the PostgreSQL runner asks for it. */
export const asyncHistory =
  (store: EventStore): AsyncTapeHistory =>
  async (tape, position) =>
    isTapeId(tape)
      ? (await store.tapeEvents(tape))
          .map((entry) => entry.event)
          .filter((event) => event.position < position)
          .sort((a, b) => a.position - b.position)
      : [];

/**
 * A PostgreSQL catalog holding the events of a SQLite store, each batch applied in a
 * transaction of its own as the PostgreSQL store's appends would (its hook on `tx`).
 */
export const pgTwin = async (pool: Pool, store: EventStore): Promise<OpenedPgCatalog> => {
  const opened = await openPgCatalog(pool, asyncSource(store), asyncHistory(store));
  await lastValueFrom(
    store.readAll(0, 16).pipe(
      concatMap((batch) =>
        inPgTransaction(pool, (client) =>
          opened.runner.hook(batch, { query: (text, params = []) => client.query({ text, values: [...params], types: PG_TYPES }) }),
        ),
      ),
    ),
    { defaultValue: undefined },
  );
  return opened;
};

/** Moved to the catalog contract, which now runs on both catalogs. */
export { assertSameAnswers } from '../contract/catalog.contract';
