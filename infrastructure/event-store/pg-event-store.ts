import * as E from 'fp-ts/Either';
import pg from 'pg';
import type { Observable } from 'rxjs';
import type { EventEnvelope, StoredEvent } from '../../domain/envelope';
import type { TapeId } from '../../domain/tape-id';
import type { EventStore, ImportError, ImportResult, Placement, TapeEventEntry, VersionConflict } from './event-store';
import { eventReads, type EventReads } from './pg-event-reads';
import { arrayRows, pgTypes, type PgQueryable, type PgTx } from './pg-rows';
import { APPEND_LOCK, LOCK_CLASS, STREAM_VERSION_CONSTRAINT, migratePgEventStore } from './pg-schema';
import { keysOf, prefetch, type WriteKeys } from './pg-write-view';
import { readBatchesAsync } from './read-batches-async';
import { pgPassword } from './pgpass';
import * as ops from './write-operations';

export type { PgTx } from './pg-rows';
export { PG_EVENT_STORE_SCHEMA_VERSION } from './pg-schema';

/**
 * Called inside the append's transaction, on its client, with the events just stored
 * (their placements stored too): projections write through `tx` and so commit or roll
 * back with the events. A hook that throws (or rejects) rolls the whole write back.
 */
export type PgAppendHook = (events: readonly StoredEvent[], tx: PgTx) => Promise<void>;

export interface PgEventStoreOptions {
  /** The clock behind `recorded_at`; the wall clock by default. */
  readonly now?: () => Date;
  /** Connections in the pool (reads run beside writes); 4 by default. */
  readonly maxConnections?: number;
}

/**
 * The event store on PostgreSQL, for several hosts sharing one catalog (issue 21). Same
 * tables and the same write rules as SQLite (write-operations.ts, run against a
 * prefetched view: pg-write-view.ts).
 *
 * Global order: every write takes one transaction-level advisory lock (APPEND_LOCK) first
 * and holds it until it commits or rolls back, and an append numbers its events from
 * MAX(position) + 1 read under that lock. Writes therefore commit one after the other in
 * position order, so once a reader sees position P every lower position is committed or
 * will never exist: `readAll` from the last position seen never misses an event that
 * commits late, and a rolled-back append leaves no hole (its positions are reused by the
 * next one, which no reader could have seen). The cost is that appends of all hosts
 * serialise, hook included, as they do in SQLite (BEGIN IMMEDIATE); see
 * docs/ARCHITECTURE.md and docs/PERFORMANCE.md for why and how much.
 */
export class PgEventStore implements EventStore {
  private readonly hooks: PgAppendHook[] = [];
  private readonly reads: EventReads;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
  ) {
    this.reads = eventReads((text, values) => arrayRows(pool, text, values));
  }

  /** Connects, migrates the tables (under the migration lock), and returns the store (which owns its pool). */
  static open(connectionString: string, options: PgEventStoreOptions = {}): Promise<PgEventStore> {
    return PgEventStore.openOn(newPgPool(connectionString, options.maxConnections), options);
  }

  /**
   * The store on a pool made by `newPgPool` (the catalog reads through the same pool):
   * migrates, then owns it: `close()` ends it. A failure to connect or migrate ends it too.
   */
  static async openOn(pool: pg.Pool, options: PgEventStoreOptions = {}): Promise<PgEventStore> {
    try {
      const client = await pool.connect();
      try {
        await migratePgEventStore(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PgEventStore(pool, options.now ?? (() => new Date()));
  }

  /** Every write after this call also runs the hook in its transaction, after the events and placements are stored. */
  onAppend(hook: PgAppendHook): void {
    this.hooks.push(hook);
  }

  /**
   * The rules find a stale version under the append lock. A writer that bypassed the lock
   * (not this code) could still commit the same (stream, version) between the prefetch and
   * the insert: the unique constraint then refuses the insert, and the append runs once
   * more, so the rules see that version and answer with the VersionConflict.
   */
  async append(events: readonly EventEnvelope[], placement?: Placement): Promise<E.Either<VersionConflict, readonly StoredEvent[]>> {
    const once = () => this.write(keysOf(events, placement), (tx) => ops.appendEvents(tx, [], events, placement), (stored) => stored);
    try {
      return await once();
    } catch (error) {
      if (!isStreamVersionTaken(error)) throw error;
      return once();
    }
  }

  importEvents(events: readonly EventEnvelope[], placement?: Placement): Promise<E.Either<ImportError, ImportResult>> {
    return this.write(keysOf(events, placement), (tx) => ops.importEvents(tx, [], events, placement), (result) => result.imported);
  }

  async markWritten(tape: TapeId, written: readonly { readonly id: string; readonly seq: number }[]): Promise<void> {
    const keys: WriteKeys = { envelopes: [], ids: written.map((w) => w.id), tape, seqs: written.map((w) => w.seq) };
    await this.write(keys, (tx) => E.right(ops.markWritten(tx, tape, written)), () => []);
  }

  async markUnwritten(tape: TapeId, fromSeq: number): Promise<number> {
    const result = await this.write({ envelopes: [], tape, fromSeq }, (tx) => E.right(ops.markUnwritten(tx, tape, fromSeq)), () => []);
    return E.isRight(result) ? result.right : 0;
  }

  readStream(stream: string): Promise<readonly StoredEvent[]> {
    return this.reads.readStream(stream);
  }

  readStreamOfTypes(stream: string, types: readonly string[]): Promise<readonly StoredEvent[]> {
    return this.reads.readStreamOfTypes(stream, types);
  }

  streamVersion(stream: string): Promise<number> {
    return this.reads.streamVersion(stream);
  }

  /** Batches fetched one query at a time, lazily; see the class comment for why no position is ever skipped. */
  readAll(fromPosition: number, batchSize: number): Observable<readonly StoredEvent[]> {
    return readBatchesAsync(this.reads.readAfter, fromPosition, batchSize);
  }

  lastPosition(): Promise<number> {
    return this.reads.lastPosition();
  }

  knownIds(ids: readonly string[]): Promise<ReadonlySet<string>> {
    return this.reads.knownIds(ids);
  }

  tapeEvents(tape: TapeId): Promise<readonly TapeEventEntry[]> {
    return this.reads.tapeEvents(tape);
  }

  pendingFor(tape: TapeId): Promise<readonly StoredEvent[]> {
    return this.reads.pendingFor(tape);
  }

  lastSeq(tape: TapeId): Promise<number> {
    return this.reads.lastSeq(tape);
  }

  writtenIdsFrom(tape: TapeId, fromSeq: number): Promise<readonly { readonly seq: number; readonly id: string }[]> {
    return this.reads.writtenIdsFrom(tape, fromSeq);
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /**
   * One write transaction: the append lock, the prefetch, the shared rules (synchronous),
   * the flush, the hooks, commit. A Left or anything thrown rolls back, so nothing of the
   * write stays.
   */
  private async write<L, A>(
    keys: WriteKeys,
    rules: (tx: ops.WriteTx) => E.Either<L, A>,
    newEvents: (a: A) => readonly StoredEvent[],
  ): Promise<E.Either<L, A>> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, APPEND_LOCK]);
      const view = await prefetch(client, keys, this.now());
      const result = rules(view.tx);
      if (E.isLeft(result)) {
        await client.query('ROLLBACK');
        return result;
      }
      await view.flush(client);
      await this.runHooks(client, newEvents(result.right));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
      throw error;
    } finally {
      // A client whose rollback failed may be mid-transaction: destroy it rather than reuse it.
      client.release(broken === undefined ? undefined : true);
    }
  }

  private async runHooks(client: PgQueryable, stored: readonly StoredEvent[]): Promise<void> {
    if (stored.length === 0) return;
    // A statement name makes it a prepared statement on this connection: planned once, not per event.
    const tx: PgTx = { query: (text, values = [], name) => client.query({ text, values: [...values], ...(name === undefined ? {} : { name }) }) };
    for (const hook of this.hooks) await hook(stored, tx);
  }
}

/** A pool for the event store (and the catalog, which passes its own type parsers per query). */
export const newPgPool = (connectionString: string, maxConnections = 4): pg.Pool => {
  const pool = new pg.Pool({ connectionString: withPgPass(connectionString), max: maxConnections, types: pgTypes() });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
};

/**
 * Connects once and disconnects, so a server that refuses (no password, a wrong one, no
 * such database) is reported before a pool is made: a pool's client whose login fails
 * keeps its socket open (node-postgres), and with it the process, after the error.
 */
export const reachPg = async (connectionString: string): Promise<void> => {
  const client = new pg.Client({ connectionString: withPgPass(connectionString) });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * The connection string with the password of libpq's password file when neither it nor
 * `PGPASSWORD` gives one (node-postgres would read the file itself, but warns that it is
 * deprecated on every run). The client only parses here: it does not connect.
 */
export const withPgPass = (connectionString: string): string => {
  const parsed = new pg.Client({ connectionString });
  if (parsed.password !== undefined && parsed.password !== null && parsed.password !== '') return connectionString;
  const found = pgPassword({ host: parsed.host, port: parsed.port, database: parsed.database ?? '', user: parsed.user ?? '' });
  if (found === undefined) return connectionString;
  try {
    const url = new URL(connectionString);
    url.password = encodeURIComponent(found);
    return url.toString();
  } catch {
    return connectionString;
  }
};

/** PostgreSQL's unique_violation (23505) on the (stream, version) constraint. */
const isStreamVersionTaken = (error: unknown): boolean =>
  error instanceof pg.DatabaseError && error.code === '23505' && error.constraint === STREAM_VERSION_CONSTRAINT;
