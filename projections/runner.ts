import * as t from 'io-ts';
import type Database from 'better-sqlite3';
import { lastValueFrom, tap } from 'rxjs';
import type { StoredEvent } from '../domain/envelope';
import { decodeDomainEvent } from '../domain/events';
import type { Projection, Statement } from './projection';
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
    const decoded = decodeDomainEvent(stored.type, stored.schema, stored.data);
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
    let prepared = this.statements.get(statement.sql);
    if (prepared === undefined) {
      prepared = this.db.prepare(statement.sql);
      this.statements.set(statement.sql, prepared);
    }
    prepared.run(...statement.params);
  }

  /**
   * Runs a bulk load (a recovery importing a whole tape) with the plain secondary indexes
   * dropped, then builds them again: one sort each instead of a million B-tree updates.
   * Unique indexes stay (statements rely on them). The indexes come back even if `work` fails.
   */
  async withIndexesDeferred<T>(work: () => Promise<T>): Promise<T> {
    const plain = this.projections.flatMap((p) => p.schema).filter(isPlainIndex);
    for (const ddl of plain) {
      const name = indexName(ddl);
      if (name !== undefined) this.db.exec(`DROP INDEX IF EXISTS ${name}`);
    }
    this.statements.clear();
    try {
      return await work();
    } finally {
      this.statements.clear();
      for (const ddl of plain) this.db.exec(ddl);
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

const CheckpointRow = t.type({ name: t.string, position: t.number });
const isCheckpointRow = CheckpointRow.is;
