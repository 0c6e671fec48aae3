import type Database from 'better-sqlite3';
import type * as E from 'fp-ts/Either';
import type { Observable } from 'rxjs';
import type { EventEnvelope, StoredEvent } from '../../domain/envelope';
import type { TapeId } from '../../domain/tape-id';
import type {
  AppendHook,
  EventStore,
  ImportError,
  ImportResult,
  Placement,
  TapeEventEntry,
  TapeEventState,
  VersionConflict,
} from './event-store';
import { EVENT_COLUMNS, decodeEventColumns, type EventRow } from './event-row';
import { readBatches } from './read-batches';
import { configureDurability, migrateEventStore } from './sqlite-schema';
import { CorruptEventRowError } from './store-errors';
import * as ops from './write-operations';

export { EVENT_STORE_SCHEMA_VERSION, NewerSchemaError, migrateEventStore } from './sqlite-schema';

export interface SqliteEventStoreOptions {
  /** The clock behind `recorded_at` (when this database stored an event); the wall clock by default. */
  readonly now?: () => Date;
}

const EVENT_COLUMNS_OF_E = EVENT_COLUMNS.split(', ')
  .map((c) => `e.${c}`)
  .join(', ');

/** The statements, prepared once per store. */
const prepareStatements = (db: Database.Database) => ({
  streamVersion: db.prepare('SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?').pluck(),
  positionOf: db.prepare('SELECT position FROM events WHERE id = ?').pluck(),
  idAt: db.prepare('SELECT id FROM events WHERE stream = ? AND version = ?').pluck(),
  placementOf: db.prepare('SELECT seq, state FROM tape_events WHERE tape = ? AND position = ?').raw(),
  positionAtSeq: db.prepare('SELECT position FROM tape_events WHERE tape = ? AND seq = ?').pluck(),
  insertEvent: db.prepare(
    `INSERT INTO events (id, stream, version, type, schema, at, data, meta, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  insertPlacement: db.prepare('INSERT INTO tape_events (tape, position, seq, state) VALUES (?, ?, ?, ?)'),
  setWritten: db.prepare("UPDATE tape_events SET seq = ?, state = 'written' WHERE tape = ? AND position = ?"),
  setPending: db.prepare("UPDATE tape_events SET seq = NULL, state = 'pending' WHERE tape = ? AND position = ?"),
  writtenFromSeq: db.prepare('SELECT position FROM tape_events WHERE tape = ? AND seq >= ? ORDER BY seq').pluck(),
  lastSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM tape_events WHERE tape = ?').pluck(),
  writtenIdsFrom: db
    .prepare('SELECT t.seq, e.id FROM tape_events t JOIN events e ON e.position = t.position WHERE t.tape = ? AND t.seq >= ? ORDER BY t.seq')
    .raw(),
  readAfter: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
  readStream: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? ORDER BY version`).raw(),
  readStreamOfTypes: db
    .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND type IN (SELECT value FROM json_each(?)) ORDER BY version`)
    .raw(),
  lastPosition: db.prepare('SELECT COALESCE(MAX(position), 0) FROM events').pluck(),
  // One statement for any number of ids: the ids travel as one JSON array.
  knownIds: db.prepare('SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))').pluck(),
  tapeEvents: db
    .prepare(
      `SELECT ${EVENT_COLUMNS_OF_E}, t.seq, t.state FROM tape_events t JOIN events e ON e.position = t.position
       WHERE t.tape = ? ORDER BY t.seq IS NULL, t.seq, t.position`,
    )
    .raw(),
  pendingFor: db
    .prepare(
      `SELECT ${EVENT_COLUMNS_OF_E} FROM tape_events t JOIN events e ON e.position = t.position
       WHERE t.tape = ? AND t.state = 'pending' ORDER BY t.position`,
    )
    .raw(),
});

type Statements = ReturnType<typeof prepareStatements>;

/**
 * The event store in SQLite (DESIGN §4). It shares its database with the catalog
 * projections, whose hooks run inside its transactions. Synchronous inside: a
 * better-sqlite3 transaction function must not await; the port's methods are `async`
 * only in their signature.
 */
export class SqliteEventStore implements EventStore {
  private readonly statements: Statements;
  private readonly hooks: AppendHook[] = [];
  private readonly now: () => Date;
  // Called through `.immediate`: BEGIN IMMEDIATE takes the write lock first, waiting
  // (busy_timeout) behind another process's commit. A deferred transaction reads first
  // and then fails at once with SQLITE_BUSY when another process wrote in between,
  // which is what two backups to two drives did on one catalog.
  private readonly appendTx: Database.Transaction<(events: readonly EventEnvelope[], placement: Placement | undefined) => E.Either<VersionConflict, readonly StoredEvent[]>>;
  private readonly importTx: Database.Transaction<(events: readonly EventEnvelope[], placement: Placement | undefined) => E.Either<ImportError, ImportResult>>;
  private readonly markWrittenTx: Database.Transaction<(tape: TapeId, written: readonly { readonly id: string; readonly seq: number }[]) => void>;
  private readonly markUnwrittenTx: Database.Transaction<(tape: TapeId, fromSeq: number) => number>;

  constructor(
    private readonly db: Database.Database,
    options: SqliteEventStoreOptions = {},
  ) {
    configureDurability(db);
    migrateEventStore(db);
    this.statements = prepareStatements(db);
    this.now = options.now ?? (() => new Date());
    this.appendTx = db.transaction((events: readonly EventEnvelope[], placement: Placement | undefined) =>
      ops.appendEvents(this.writeTx(), this.hooks, events, placement),
    );
    this.importTx = db.transaction((events: readonly EventEnvelope[], placement: Placement | undefined) =>
      ops.importEvents(this.writeTx(), this.hooks, events, placement),
    );
    this.markWrittenTx = db.transaction((tape: TapeId, written: readonly { readonly id: string; readonly seq: number }[]) =>
      ops.markWritten(this.writeTx(), tape, written),
    );
    this.markUnwrittenTx = db.transaction((tape: TapeId, fromSeq: number) => ops.markUnwritten(this.writeTx(), tape, fromSeq));
  }

  async append(events: readonly EventEnvelope[], placement?: Placement): Promise<E.Either<VersionConflict, readonly StoredEvent[]>> {
    return this.appendTx.immediate(events, placement);
  }

  async importEvents(events: readonly EventEnvelope[], placement?: Placement): Promise<E.Either<ImportError, ImportResult>> {
    return this.importTx.immediate(events, placement);
  }

  async markWritten(tape: TapeId, written: readonly { readonly id: string; readonly seq: number }[]): Promise<void> {
    this.markWrittenTx.immediate(tape, written);
  }

  async markUnwritten(tape: TapeId, fromSeq: number): Promise<number> {
    return this.markUnwrittenTx.immediate(tape, fromSeq);
  }

  async lastSeq(tape: TapeId): Promise<number> {
    return integerOf(this.statements.lastSeq.get(tape), 'last seq');
  }

  async writtenIdsFrom(tape: TapeId, fromSeq: number): Promise<readonly { readonly seq: number; readonly id: string }[]> {
    return this.statements.writtenIdsFrom.all(tape, fromSeq).map((row: unknown) => {
      const [seq, id]: readonly unknown[] = Array.isArray(row) ? row : [];
      return { seq: integerOf(seq, 'seq'), id: optionalText(id, 'id') ?? '' };
    });
  }

  /**
   * Every event stored after this call (append or import) also runs the hook inside its
   * transaction, after the events and their placement are stored (the hook may read them
   * back). A hook that throws rolls the whole write back; the error propagates. Not part
   * of the port: a synchronous hook only fits a synchronous transaction (compose.ts wires it).
   */
  onAppend(hook: AppendHook): void {
    this.hooks.push(hook);
  }

  /** Closes the database (shared with the catalog: close one or the other, once). */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async readStream(stream: string): Promise<readonly StoredEvent[]> {
    return this.statements.readStream.all(stream).map(decodeEventColumns);
  }

  async readStreamOfTypes(stream: string, types: readonly string[]): Promise<readonly StoredEvent[]> {
    return this.statements.readStreamOfTypes.all(stream, JSON.stringify(types)).map(decodeEventColumns);
  }

  async streamVersion(stream: string): Promise<number> {
    return integerOf(this.statements.streamVersion.get(stream), 'stream version');
  }

  readAll(fromPosition: number, batchSize: number): Observable<readonly StoredEvent[]> {
    return readBatches(
      (after, limit) => this.statements.readAfter.all(after, limit).map(decodeEventColumns),
      fromPosition,
      batchSize,
    );
  }

  async lastPosition(): Promise<number> {
    return integerOf(this.statements.lastPosition.get(), 'last position');
  }

  async knownIds(ids: readonly string[]): Promise<ReadonlySet<string>> {
    const found = this.statements.knownIds.all(JSON.stringify(ids));
    return new Set(found.filter((id): id is string => typeof id === 'string'));
  }

  async tapeEvents(tape: TapeId): Promise<readonly TapeEventEntry[]> {
    return this.tapeEventsSync(tape);
  }

  /** `tapeEvents` for a projection hook, which runs inside the append transaction and cannot await. */
  tapeEventsSync(tape: TapeId): readonly TapeEventEntry[] {
    return this.statements.tapeEvents.all(tape).map(decodeTapeEntry);
  }

  async pendingFor(tape: TapeId): Promise<readonly StoredEvent[]> {
    return this.statements.pendingFor.all(tape).map(decodeEventColumns);
  }

  /** The write operations' view of this database; valid inside one transaction. */
  private writeTx(): ops.WriteTx {
    const s = this.statements;
    const recordedAt = this.now().toISOString();
    return {
      streamVersion: (stream) => integerOf(s.streamVersion.get(stream), 'stream version'),
      positionOf: (id) => optionalInteger(s.positionOf.get(id), 'position'),
      idAt: (stream, version) => optionalText(s.idAt.get(stream, version), 'id'),
      placementOf: (tape, position) => {
        const row = s.placementOf.get(tape, position);
        return row === undefined ? undefined : decodeTapeRow(position, row);
      },
      positionAtSeq: (tape, seq) => optionalInteger(s.positionAtSeq.get(tape, seq), 'position'),
      insertEvent: (row: EventRow) => {
        const { id, stream, version, type, schema, at, data, meta } = row;
        const result = s.insertEvent.run(id, stream, version, type, schema, at, data, meta, recordedAt);
        return integerOf(result.lastInsertRowid, 'new position');
      },
      insertPlacement: (tape, position, { seq, state }) => {
        s.insertPlacement.run(tape, position, seq, state);
      },
      setWritten: (tape, position, seq) => {
        s.setWritten.run(seq, tape, position);
      },
      writtenFromSeq: (tape, fromSeq) => s.writtenFromSeq.all(tape, fromSeq).map((p) => integerOf(p, 'position')),
      setPending: (tape, position) => {
        s.setPending.run(tape, position);
      },
    };
  }
}

const integerOf = (value: unknown, what: string): number => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new Error(`event store: ${what} is ${String(value)}, not an integer`);
};

const optionalInteger = (value: unknown, what: string): number | undefined =>
  value === undefined ? undefined : integerOf(value, what);

const optionalText = (value: unknown, what: string): string | undefined => {
  if (value === undefined || typeof value === 'string') return value;
  throw new Error(`event store: ${what} is ${String(value)}, not text`);
};

const STATES: readonly TapeEventState[] = ['written', 'pending', 'local'];
const isState = (u: unknown): u is TapeEventState => STATES.some((s) => s === u);

/** A (seq, state) pair as the CHECK constraints allow it: a seq exactly when written. */
const decodeTapeRow = (position: unknown, row: unknown): ops.TapeRow => {
  const [seq, state]: readonly unknown[] = Array.isArray(row) ? row : [];
  if (isState(state) && state === 'written' && typeof seq === 'number') return { seq, state };
  if (isState(state) && state !== 'written' && seq === null) return { seq: null, state };
  throw new CorruptEventRowError(position, `tape placement (${String(seq)}, ${String(state)})`);
};

/** A tapeEvents row: the event columns, then seq and state. */
const decodeTapeEntry = (row: unknown): TapeEventEntry => {
  const columns: readonly unknown[] = Array.isArray(row) ? row : [];
  const event = decodeEventColumns(columns.slice(0, -2));
  return { event, ...decodeTapeRow(event.position, columns.slice(-2)) };
};
