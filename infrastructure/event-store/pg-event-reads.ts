import type { StoredEvent } from '../../domain/envelope';
import type { TapeId } from '../../domain/tape-id';
import { EVENT_COLUMNS, decodeEventColumns } from './event-row';
import type { TapeEventEntry } from './event-store';
import { integerCell } from './pg-rows';
import { CorruptEventRowError } from './store-errors';

/** Runs one query and gives its rows as arrays of cells (the pool, or a transaction's client). */
export type RowsQuery = (text: string, values: readonly unknown[]) => Promise<readonly (readonly unknown[])[]>;

const OF_E = EVENT_COLUMNS.split(', ')
  .map((c) => `e.${c}`)
  .join(', ');

/**
 * The event store's reads, as functions of a query runner: the store runs them on its
 * pool; a hook may run them on its transaction to see the events it is called with.
 */
export const eventReads = (rows: RowsQuery) => ({
  readAfter: async (after: number, limit: number): Promise<readonly StoredEvent[]> =>
    (await rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2`, [after, limit])).map(decodeEventColumns),
  readStream: async (stream: string): Promise<readonly StoredEvent[]> =>
    (await rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = $1 ORDER BY version`, [stream])).map(decodeEventColumns),
  readStreamOfTypes: async (stream: string, types: readonly string[]): Promise<readonly StoredEvent[]> =>
    (await rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = $1 AND type = ANY($2::text[]) ORDER BY version`, [stream, types])).map(
      decodeEventColumns,
    ),
  streamVersion: async (stream: string): Promise<number> =>
    integerCell((await rows('SELECT COALESCE(MAX(version), 0)::int FROM events WHERE stream = $1', [stream]))[0], 0, 'stream version'),
  lastPosition: async (): Promise<number> =>
    integerCell((await rows('SELECT COALESCE(MAX(position), 0) FROM events', []))[0], 0, 'last position'),
  knownIds: async (ids: readonly string[]): Promise<ReadonlySet<string>> => {
    const found = await rows('SELECT id FROM events WHERE id = ANY($1::text[])', [ids]);
    return new Set(found.map((r) => r[0]).filter((id): id is string => typeof id === 'string'));
  },
  tapeEvents: async (tape: TapeId): Promise<readonly TapeEventEntry[]> =>
    (
      await rows(
        `SELECT ${OF_E}, t.seq, t.state FROM tape_events t JOIN events e ON e.position = t.position
         WHERE t.tape = $1 ORDER BY t.seq IS NULL, t.seq, t.position`,
        [tape],
      )
    ).map(decodeTapeEntry),
  pendingFor: async (tape: TapeId): Promise<readonly StoredEvent[]> =>
    (
      await rows(
        `SELECT ${OF_E} FROM tape_events t JOIN events e ON e.position = t.position
         WHERE t.tape = $1 AND t.state = 'pending' ORDER BY t.position`,
        [tape],
      )
    ).map(decodeEventColumns),
  lastSeq: async (tape: TapeId): Promise<number> =>
    integerCell((await rows('SELECT COALESCE(MAX(seq), 0) FROM tape_events WHERE tape = $1', [tape]))[0], 0, 'last seq'),
  writtenIdsFrom: async (tape: TapeId, fromSeq: number): Promise<readonly { readonly seq: number; readonly id: string }[]> =>
    (
      await rows(
        'SELECT t.seq, e.id FROM tape_events t JOIN events e ON e.position = t.position WHERE t.tape = $1 AND t.seq >= $2 ORDER BY t.seq',
        [tape, fromSeq],
      )
    ).map((r) => ({ seq: integerCell(r, 0, 'seq'), id: typeof r[1] === 'string' ? r[1] : '' })),
});

export type EventReads = ReturnType<typeof eventReads>;

/** A tapeEvents row: the event columns, then seq and state (a seq exactly when written). */
const decodeTapeEntry = (row: readonly unknown[]): TapeEventEntry => {
  const event = decodeEventColumns(row.slice(0, -2));
  const [seq, state] = row.slice(-2);
  if (state === 'written' && typeof seq === 'number') return { event, seq, state };
  if ((state === 'pending' || state === 'local') && seq === null) return { event, seq: null, state };
  throw new CorruptEventRowError(event.position, `tape placement (${String(seq)}, ${String(state)})`);
};
