import * as t from 'io-ts';
import type Database from 'better-sqlite3';
import { lastValueFrom, tap } from 'rxjs';
import type { StoredEvent } from '../domain/envelope';
import { checkDomainEvent } from '../domain/event-check';
import { ROWS, isRowsStatement, type Projection, type RowsStatement, type Statement } from './projection';
import { createProjectionTables, createRunnerTables, dropProjectionTables, indexName, isPlainIndex, projectionFingerprint } from './schema';

/** The slice of the event store a replay needs (keeps projections/ free of infrastructure). */
export interface EventSource {
  readAll(fromPosition: number, batchSize: number): import('rxjs').Observable<readonly StoredEvent[]>;
  lastPosition(): Promise<number>;
}

/**
 * Events per replay batch. Counted in events, bounded by entries: a FilesArchived event
 * holds up to 2000 entries, so 64 events keep a batch near 128k entries (tens of MB)
 * where 5000 held a million-file backup whole.
 */
export const REPLAY_BATCH = 64;

/** Every event of a tape's audit trail stored before `position`, in position order. */
export type TapeHistory = (tape: string, position: number) => readonly StoredEvent[];

/**
 * What the CLI asks of a catalog's projection runner, on SQLite (this file) or on
 * PostgreSQL (projections/postgres/runner.ts): `lto catalog rebuild`, `lto recover`'s bulk
 * load, the catch-up when a command opens the catalog. (Applying appended events is each
 * store's own hook, wired in application/compose.ts.)
 */
export interface CatalogRunner {
  /** Replays what the projections have not seen yet; returns how many events. */
  catchUp(source: EventSource): Promise<number>;
  /** Drops every projection and replays the whole store, atomically; returns how many events. */
  rebuild(source: EventSource): Promise<number>;
  /** The lowest position every projection has reached. */
  checkpoint(): number | Promise<number>;
  /** Runs a bulk load the way this catalog does it fastest without hiding it from others. */
  withIndexesDeferred<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Applies projections to the catalog tables of one SQLite database. `apply` runs inside
 * the caller's transaction (the event store's append), so events, rows and checkpoints
 * commit together; `rebuild` and `catchUp` open their own transactions.
 */
export class ProjectionRunner implements CatalogRunner {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly saveCheckpoint: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly projections: readonly Projection[],
    /** What a recalled tape's rows are built again from (`lto tape forget`, then `lto recover`). */
    private readonly tapeHistory: TapeHistory = () => [],
  ) {
    this.resetIfSchemaChanged();
    createProjectionTables(db, projections);
    this.saveCheckpoint = db.prepare(
      `INSERT INTO projection_checkpoints (name, position) VALUES (?, ?)
       ON CONFLICT(name) DO UPDATE SET position = excluded.position`,
    );
  }

  /** Projects events that are already stored (positions known). Call inside a transaction. */
  apply(events: readonly StoredEvent[], projections: readonly Projection[] = this.projections): void {
    if (events.length === 0) return;
    for (const stored of events) this.applyOne(stored, projections);
    const last = events[events.length - 1]!.position;
    for (const p of projections) this.saveCheckpoint.run(p.name, last);
  }

  /** The lowest position every projection has reached. */
  checkpoint(): number {
    const byName = this.checkpoints();
    return Math.min(...this.projections.map((p) => byName.get(p.name) ?? 0));
  }

  private checkpoints(): Map<string, number> {
    const rows = this.db.prepare('SELECT name, position FROM projection_checkpoints').all();
    const byName = new Map<string, number>();
    for (const row of rows) {
      if (isCheckpointRow(row)) byName.set(row.name, row.position);
    }
    return byName;
  }

  /**
   * Replays what the projections have not seen yet (a newer program, an interrupted
   * rebuild). Each projection resumes from its own checkpoint, so a projection added by
   * a newer version is built from the start without replaying the others twice.
   */
  async catchUp(source: EventSource): Promise<number> {
    const last = await source.lastPosition();
    const byName = this.checkpoints();
    const froms = [...new Set(this.projections.map((p) => byName.get(p.name) ?? 0))].filter((f) => f < last).sort((a, b) => a - b);
    let count = 0;
    for (const from of froms) {
      const behind = this.projections.filter((p) => (byName.get(p.name) ?? 0) === from);
      count = Math.max(count, await this.inTransaction(() => this.replayInto(source, from, behind)));
    }
    return count;
  }

  /** Drops every projection table and replays the whole store, atomically. */
  rebuild(source: EventSource): Promise<number> {
    return this.inTransaction(async () => {
      this.dropTables();
      // Secondary indexes are built once after the replay (a sort), not kept up row by row.
      createProjectionTables(this.db, this.projections, (ddl) => !isPlainIndex(ddl));
      const replayed = await this.replayInto(source, 0);
      createProjectionTables(this.db, this.projections, isPlainIndex);
      return replayed;
    });
  }

  /**
   * One explicit transaction around a replay (better-sqlite3's `transaction()` cannot
   * span the Observable's promise); the store's reads are synchronous, so nothing else
   * runs on this connection in between.
   */
  private async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private async replayInto(source: EventSource, from: number, projections: readonly Projection[] = this.projections): Promise<number> {
    let count = 0;
    await lastValueFrom(
      source.readAll(from, REPLAY_BATCH).pipe(
        tap((batch) => {
          this.apply(batch, projections);
          count += batch.length;
        }),
      ),
      { defaultValue: [] },
    );
    return count;
  }

  private applyOne(stored: StoredEvent, projections: readonly Projection[]): void {
    // Structural check first (io-ts `is`, a third of decode's cost); decode only for older schemas or to say what is wrong.
    const decoded = checkDomainEvent(stored.type, stored.schema, stored.data);
    if (decoded._tag === 'Left') {
      // An event type this version does not know was written by a newer one: it cannot
      // shape tables this version defines. Anything else undecodable is corruption.
      if (decoded.left._tag === 'UnknownEventType') return;
      throw new Error(`event at position ${stored.position} (${stored.type}) does not decode: ${JSON.stringify(decoded.left)}`);
    }
    for (const p of projections) {
      for (const statement of p.project(decoded.right, stored)) this.run(statement);
    }
    if (decoded.right.type === 'TapeRecalled') this.reproject(decoded.right.data.tape, stored.position, projections);
  }

  /**
   * A forgotten tape read back: its earlier events are projected again, in their order
   * (its forgettings and recalls left out), so the catalog shows it as before. A replay
   * meets the same events in the same order: live and replayed catalogs stay equal.
   */
  private reproject(tape: string, position: number, projections: readonly Projection[]): void {
    for (const stored of this.tapeHistory(tape, position)) {
      if (stored.type === 'TapeForgotten' || stored.type === 'TapeRecalled') continue;
      this.applyOne(stored, projections);
    }
  }

  private run(statement: Statement): void {
    if (isRowsStatement(statement)) this.runRows(statement);
    else this.prepared(statement.sql).run(...statement.params);
  }

  /** The statement cached under `key`, prepared from `text()` the first time (its SQL is the key itself by default). */
  private prepared(key: string, text: () => string = () => key): Database.Statement {
    let prepared = this.statements.get(key);
    if (prepared === undefined) {
      prepared = this.db.prepare(text());
      this.statements.set(key, prepared);
    }
    return prepared;
  }

  /**
   * A RowsStatement as few statements as the variable bound allows, its rows in order.
   * Statements are cached by row count; counts are powers of two (1,500 rows are 32 x 46
   * + 16 + 8 + 4), so a few shapes serve every event.
   */
  private runRows(statement: RowsStatement): void {
    const { width, params, after } = statement;
    const rows = params.length / width;
    let chunk = largestPowerOfTwo(Math.min(MAX_ROWS_PER_STATEMENT, Math.floor((MAX_VARIABLES - after.length) / width)));
    for (let done = 0; done < rows; chunk = Math.max(1, chunk / 2)) {
      const key = `${chunk}\u0000${statement.sql}\u0000${statement.row}`;
      const prepared = this.prepared(key, () => statement.sql.replace(ROWS, Array(chunk).fill(statement.row).join(', ')));
      for (; rows - done >= chunk; done += chunk) prepared.run(params.slice(done * width, (done + chunk) * width), after);
    }
  }

  /**
   * Runs a bulk load (a recovery importing a whole tape) with the plain secondary indexes
   * dropped, then builds them again: one sort each instead of a million B-tree updates.
   * Unique indexes stay (statements rely on them). The indexes come back even if `work` fails.
   *
   * Meanwhile commits do not wait for the disk (synchronous=NORMAL) and the WAL is not
   * checkpointed into the database every 1000 pages (each rewrites the same index pages
   * again); one checkpoint at the end, with the durability set back, makes it all durable
   * before the command says it is done. Safe because what a bulk load commits comes from a
   * tape: a power loss in between may lose its last commits, never corrupt the file, and
   * what the WAL keeps is always a prefix of the commits (a recovery's own local events,
   * its job and a recall, go with the imports after them), so running the recovery again
   * completes it. Everything committed before it was synced already; another process's
   * commit with synchronous=FULL syncs ours with it.
   */
  async withIndexesDeferred<T>(work: () => Promise<T>): Promise<T> {
    const plain = this.projections.flatMap((p) => p.schema).filter(isPlainIndex);
    for (const ddl of plain) {
      const name = indexName(ddl);
      if (name !== undefined) this.db.exec(`DROP INDEX IF EXISTS ${name}`);
    }
    this.statements.clear();
    const synchronous: unknown = this.db.pragma('synchronous', { simple: true });
    const autoCheckpoint: unknown = this.db.pragma('wal_autocheckpoint', { simple: true });
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('wal_autocheckpoint = 0');
    try {
      return await work();
    } finally {
      this.statements.clear();
      for (const ddl of plain) this.db.exec(ddl);
      this.db.pragma(`synchronous = ${typeof synchronous === 'number' ? synchronous : 2}`);
      this.db.pragma(`wal_autocheckpoint = ${typeof autoCheckpoint === 'number' ? autoCheckpoint : 1000}`);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
  }

  /**
   * Tables of another shape (a catalog from a version whose projections declared other
   * columns) are dropped with their checkpoints, so `catchUp` builds them again from the
   * events: the catalog is a projection, the store the truth. One transaction, so two
   * processes opening the catalog at once do not both see half of it.
   */
  private resetIfSchemaChanged(): void {
    const fingerprint = projectionFingerprint(this.projections);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      createRunnerTables(this.db);
      const stored: unknown = this.db.prepare('SELECT fingerprint FROM projection_schema WHERE id = 1').pluck().get();
      if (stored !== fingerprint) {
        this.dropTables();
        this.db.prepare('INSERT INTO projection_schema (id, fingerprint) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint').run(fingerprint);
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private dropTables(): void {
    this.statements.clear();
    dropProjectionTables(this.db, this.projections);
  }
}

/**
 * SQLite's default bound on a statement's variables (SQLITE_MAX_VARIABLE_NUMBER since
 * 3.32; PostgreSQL allows 65,535).
 */
const MAX_VARIABLES = 32766;
/**
 * Rows per statement. Measured with SQLite 3.53 (100,000 entry rows, in memory): 16-64
 * rows to a statement cost about 20% less CPU than one INSERT per row; a VALUES list of
 * hundreds of rows with subqueries in each grew ten times slower per row.
 */
const MAX_ROWS_PER_STATEMENT = 32;

const largestPowerOfTwo = (n: number): number => 2 ** Math.floor(Math.log2(Math.max(1, n)));

const CheckpointRow = t.type({ name: t.string, position: t.number });
const isCheckpointRow = CheckpointRow.is;
