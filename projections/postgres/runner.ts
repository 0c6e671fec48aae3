import type { Pool } from 'pg';
import { lastValueFrom, concatMap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { StoredEvent } from '../../domain/envelope';
import { decodeDomainEvent } from '../../domain/events';
import { isRowsStatement, rowChunks, type Projection, type SqlValue, type Statement } from '../projection';
import { isPlainIndex, projectionFingerprint } from '../schema';
import { REPLAY_BATCH, type CatalogRunner } from '../runner';
import { mergeInserts } from './batch';
import { quoteOffset } from './dialect';
import { inPgTransaction, numberPlaceholders, PG_TYPES, statementName, toPgValue, type PgQueryable, type PgTx } from './pg-sql';
import { PG_PROJECTIONS } from './registry';

/** The slice of an (async) event store a replay needs (async-spec: `lastPosition` is a Promise). */
export interface AsyncEventSource {
  readAll(fromPosition: number, batchSize: number): Observable<readonly StoredEvent[]>;
  lastPosition(): Promise<number>;
}

/** Every event of a tape's audit trail stored before `position`, in position order. */
export type AsyncTapeHistory = (tape: string, position: number) => Promise<readonly StoredEvent[]>;

const RUNNER_TABLES = [
  'CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT COLLATE "C" PRIMARY KEY, position BIGINT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS projection_schema (id BIGINT PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL)',
];

/** Serialises schema changes of hosts opening the shared catalog at once (a transaction-level advisory lock). */
const SCHEMA_LOCK = 0x6c746f31;

/** A statement the way node-postgres runs it: `$n` placeholders, `offset` quoted (reserved in PostgreSQL). */
const translated = new Map<string, string>();
const pgText = (sqlite: string): string => {
  let text = translated.get(sqlite);
  if (text === undefined) {
    // SQLite's INTEGER is 64-bit; PostgreSQL's is 32: a cast to it would overflow on sizes and offsets.
    text = numberPlaceholders(quoteOffset(sqlite)).replaceAll(' AS INTEGER)', ' AS BIGINT)');
    translated.set(sqlite, text);
  }
  return text;
};

const txOf = (db: PgQueryable): PgTx => ({
  query: (text, params = [], name) => db.query({ text, values: [...params], types: PG_TYPES, ...(name === undefined ? {} : { name }) }),
});

/**
 * Applies projections to the catalog tables of a PostgreSQL database: projections/runner.ts
 * on a server. `apply` runs inside the caller's transaction (the PostgreSQL event store's
 * append hook `(events, tx) => Promise<void>`), so events, rows and checkpoints commit
 * together; `rebuild` and `catchUp` take a client of the pool and a transaction of their own.
 */
export class PgProjectionRunner implements CatalogRunner {
  private constructor(
    private readonly pool: Pool,
    private readonly projections: readonly Projection[],
    private readonly tapeHistory: AsyncTapeHistory,
  ) {}

  /** The runner with the projections' tables of this version's shape (tables of another shape dropped, for `catchUp`). */
  static async open(pool: Pool, tapeHistory: AsyncTapeHistory = () => Promise.resolve([]), projections: readonly Projection[] = PG_PROJECTIONS): Promise<PgProjectionRunner> {
    const runner = new PgProjectionRunner(pool, projections, tapeHistory);
    await inPgTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await runner.resetIfSchemaChanged(txOf(client));
      await createTables(txOf(client), projections);
    });
    return runner;
  }

  /** The async hook the PostgreSQL event store calls inside its append transaction. */
  readonly hook = (events: readonly StoredEvent[], tx: PgTx): Promise<void> => this.apply(events, tx);

  /** Projects events that are already stored (positions known), on the caller's transaction. */
  async apply(events: readonly StoredEvent[], tx: PgTx, projections: readonly Projection[] = this.projections): Promise<void> {
    if (events.length === 0) return;
    for (const stored of events) await this.applyOne(stored, tx, projections);
    const last = events[events.length - 1]!.position;
    for (const p of projections) {
      await tx.query(
        `INSERT INTO projection_checkpoints (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
        [p.name, last],
      );
    }
  }

  /** The lowest position every projection has reached. */
  async checkpoint(): Promise<number> {
    const byName = await checkpoints(txOf(this.pool));
    return Math.min(...this.projections.map((p) => byName.get(p.name) ?? 0));
  }

  /** Replays what the projections have not seen yet, each from its own checkpoint (as projections/runner.ts). */
  async catchUp(source: AsyncEventSource): Promise<number> {
    const last = await source.lastPosition();
    return inPgTransaction(this.pool, async (client) => {
      const tx = txOf(client);
      // One host catches up at a time; the others find the checkpoints moved when they get the lock.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      const byName = await checkpoints(tx);
      const froms = [...new Set(this.projections.map((p) => byName.get(p.name) ?? 0))].filter((f) => f < last).sort((a, b) => a - b);
      let count = 0;
      for (const from of froms) {
        const behind = this.projections.filter((p) => (byName.get(p.name) ?? 0) === from);
        count = Math.max(count, await this.replayInto(source, tx, from, behind));
      }
      return count;
    });
  }

  /** Drops every projection table and replays the whole store, atomically. */
  rebuild(source: AsyncEventSource): Promise<number> {
    return inPgTransaction(this.pool, async (client) => {
      const tx = txOf(client);
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      return this.rebuildOn(tx, source);
    });
  }

  private async rebuildOn(tx: PgTx, source: AsyncEventSource): Promise<number> {
    await dropTables(tx, this.projections);
    return this.replayFresh(tx, source);
  }

  /**
   * Every event replayed into tables this transaction creates (where none are yet: a
   * rebuild after dropping them, or the catalog check in a schema of its own). Drops
   * nothing: the check's search path also reaches the live tables.
   */
  async replayFresh(tx: PgTx, source: AsyncEventSource): Promise<number> {
    // Secondary indexes are built once after the replay (a sort), not kept up row by row.
    await createTables(tx, this.projections, (ddl) => !isPlainIndex(ddl));
    const replayed = await this.replayInto(source, tx, 0);
    await createTables(tx, this.projections, isPlainIndex);
    return replayed;
  }

  /**
   * A bulk load (a recovery importing a whole tape) with the indexes kept, unlike the SQLite
   * runner's: on a shared catalog other hosts search and browse through them meanwhile, and
   * dropping one would lock its table against them until the load commits.
   */
  withIndexesDeferred<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  /** A runner for the catalog check's fresh tables: the same projections, nothing created or dropped on the way. */
  forCheck(): PgProjectionRunner {
    return new PgProjectionRunner(this.pool, this.projections, this.tapeHistory);
  }

  private async replayInto(source: AsyncEventSource, tx: PgTx, from: number, projections: readonly Projection[] = this.projections): Promise<number> {
    let count = 0;
    await lastValueFrom(
      source.readAll(from, REPLAY_BATCH).pipe(
        concatMap(async (batch) => {
          await this.apply(batch, tx, projections);
          count += batch.length;
        }),
      ),
      { defaultValue: undefined },
    );
    return count;
  }

  private async applyOne(stored: StoredEvent, tx: PgTx, projections: readonly Projection[]): Promise<void> {
    const decoded = decodeDomainEvent(stored.type, stored.schema, stored.data);
    if (decoded._tag === 'Left') {
      // Written by a newer version (unknown type): it cannot shape tables this version defines.
      if (decoded.left._tag === 'UnknownEventType') return;
      throw new Error(`event at position ${stored.position} (${stored.type}) does not decode: ${JSON.stringify(decoded.left)}`);
    }
    for (const p of projections) {
      for (const statement of mergeInserts(p.project(decoded.right, stored))) await run(tx, statement);
    }
    if (decoded.right.type === 'TapeRecalled') await this.reproject(decoded.right.data.tape, stored.position, tx, projections);
  }

  /** A forgotten tape read back: its earlier events projected again, in order (as projections/runner.ts). */
  private async reproject(tape: string, position: number, tx: PgTx, projections: readonly Projection[]): Promise<void> {
    for (const stored of await this.tapeHistory(tape, position)) {
      if (stored.type === 'TapeForgotten' || stored.type === 'TapeRecalled') continue;
      await this.applyOne(stored, tx, projections);
    }
  }

  /** Tables of another shape dropped with their checkpoints, so `catchUp` builds them again from the events. */
  private async resetIfSchemaChanged(tx: PgTx): Promise<void> {
    const fingerprint = projectionFingerprint(this.projections);
    for (const ddl of RUNNER_TABLES) await tx.query(ddl);
    const found = await tx.query('SELECT fingerprint FROM projection_schema WHERE id = 1');
    const stored: unknown = found.rows[0];
    if (typeof stored === 'object' && stored !== null && 'fingerprint' in stored && stored.fingerprint === fingerprint) return;
    await dropTables(tx, this.projections);
    await tx.query(
      'INSERT INTO projection_schema (id, fingerprint) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint',
      [fingerprint],
    );
  }
}

/** Rows per statement of a RowsStatement: 18 values a row stay far below PostgreSQL's 65,535 parameters. */
const ROWS_PER_STATEMENT = 1000;

const runOne = (tx: PgTx, sqliteText: string, params: readonly SqlValue[]): Promise<unknown> => {
  const text = pgText(sqliteText);
  return tx.query(text, params.map(toPgValue), statementName(text));
};

/** A RowsStatement runs as many rows a statement as fit, in order (projections/projection.ts). */
const run = async (tx: PgTx, statement: Statement): Promise<void> => {
  for (const one of isRowsStatement(statement) ? rowChunks(statement, ROWS_PER_STATEMENT) : [statement]) await runOne(tx, one.sql, one.params);
};

const createTables = async (tx: PgTx, projections: readonly Projection[], which: (ddl: string) => boolean = () => true): Promise<void> => {
  for (const ddl of RUNNER_TABLES) await tx.query(ddl);
  for (const p of projections) for (const ddl of p.schema) if (which(ddl)) await tx.query(ddl);
};

const dropTables = async (tx: PgTx, projections: readonly Projection[]): Promise<void> => {
  for (const p of projections) for (const table of p.tables) await tx.query(`DROP TABLE IF EXISTS ${table.name}`);
  await tx.query('DELETE FROM projection_checkpoints');
};

const checkpoints = async (tx: PgTx): Promise<Map<string, number>> => {
  const byName = new Map<string, number>();
  for (const row of (await tx.query('SELECT name, position FROM projection_checkpoints')).rows) {
    if (typeof row === 'object' && row !== null && 'name' in row && 'position' in row && typeof row.name === 'string') {
      byName.set(row.name, Number(row.position));
    }
  }
  return byName;
};
