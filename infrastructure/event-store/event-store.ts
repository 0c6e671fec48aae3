import type * as E from 'fp-ts/Either';
import type { Observable } from 'rxjs';
import type { EventEnvelope, StoredEvent } from '../../domain/envelope';
import type { TapeId } from '../../domain/tape-id';

/** The append did not continue the stream where the caller expected (optimistic concurrency). */
export interface VersionConflict {
  readonly _tag: 'VersionConflict';
  readonly stream: string;
  /** The version the caller's first new event implies the stream is at. */
  readonly expected: number;
  /** The version the stream is really at. */
  readonly actual: number;
}

/** An imported event whose id is new but whose (stream, version) is taken by another event. */
export interface ImportConflict {
  readonly _tag: 'ImportConflict';
  readonly stream: string;
  readonly version: number;
  readonly existingId: string;
  readonly importedId: string;
}

/**
 * An imported event whose id is new but which does not continue its stream: the stream
 * is at `expected - 1` and the versions between are not stored (yet). Accepting it would
 * leave a hole that every fold of the stream would silently skip.
 */
export interface ImportGap {
  readonly _tag: 'ImportGap';
  readonly stream: string;
  /** The version the stream needs next. */
  readonly expected: number;
  /** The version the imported event has. */
  readonly found: number;
  readonly importedId: string;
}

export type ImportError = ImportConflict | ImportGap;

export interface ImportResult {
  /** The events stored by this import, in position order. */
  readonly imported: readonly StoredEvent[];
  /** Events skipped because their id was already stored (or came earlier in the same batch). */
  readonly alreadyKnown: number;
}

/**
 * Where a batch of events stands with respect to a tape's journal:
 * - `written`: already appended to the tape's journal, with these journal seqs (one per event);
 * - `pending`: meant for the tape's journal but not there yet (read-only or unreachable tape);
 * - `local`: belongs to the tape's audit trail but never goes to its journal (e.g. a browse).
 */
export type Placement =
  | { readonly tape: TapeId; readonly state: 'written'; readonly seqs: readonly number[] }
  | { readonly tape: TapeId; readonly state: 'pending' }
  | { readonly tape: TapeId; readonly state: 'local' };

export type TapeEventState = Placement['state'];

/** One event of a tape's audit trail, with its journal seq once on tape. */
export interface TapeEventEntry {
  readonly event: StoredEvent;
  readonly seq: number | null;
  readonly state: TapeEventState;
}

/**
 * Called inside the append transaction with the events just stored, so projections
 * commit (or roll back) together with the events. Must be synchronous: the SQLite and
 * memory stores take it (`onAppend`, wired in application/compose.ts); a server store
 * takes its own, asynchronous kind of hook.
 */
export type AppendHook = (events: readonly StoredEvent[]) => void;

/**
 * The event store port. Asynchronous so a server database (PostgreSQL) can stand behind
 * it; the SQLite adapter stays synchronous inside (better-sqlite3: a transaction function
 * never awaits) and answers with settled Promises. An append and its projection updates
 * commit in one transaction: each adapter takes its projection hook its own way (see
 * `SqliteEventStore.onAppend`), wired by the composition root, so the hook is not part
 * of this port.
 *
 * Across an `await` nothing is atomic: a caller that reads a stream, awaits, then appends
 * relies on the append's expected-version check (`VersionConflict`) to catch a race.
 */
export interface EventStore {
  /**
   * Appends envelopes atomically across streams. For each stream the versions must be
   * contiguous and start right after the stream's current version; otherwise nothing
   * is stored and the conflict is returned (`expected` is the version the offending
   * event implies, `actual` the stream's version counting the batch's earlier events).
   * Positions follow the order of `events`. With a `written` placement, `seqs[i]` is
   * the journal seq of `events[i]`.
   *
   * Thrown (bugs, not outcomes; nothing is stored): an envelope that does not decode or
   * whose data is not JSON, an id already stored, a placement whose seqs do not match
   * the events or whose seq is taken on that tape, and whatever a hook throws.
   */
  append(events: readonly EventEnvelope[], placement?: Placement): Promise<E.Either<VersionConflict, readonly StoredEvent[]>>;

  /**
   * Stores events read from elsewhere (a tape journal) with their own ids and
   * versions; events whose id is already known are skipped (idempotent). Atomic:
   * on a Left nothing is stored.
   *
   * Streams may interleave in any order, but each stream's new events must come in
   * version order and continue the stream where it is (`ImportGap` otherwise); a new
   * id on a taken (stream, version) is an `ImportConflict`.
   *
   * The placement is recorded for new and known events alike, so importing a journal
   * whose events are stored as pending (a crash between the tape write and
   * `markWritten`) marks them written at the journal's seqs. An event that already has
   * a seq on that tape keeps it (a journal may hold an event twice; the first counts).
   * Hooks run with the newly stored events only. Thrown: as for `append`.
   */
  importEvents(events: readonly EventEnvelope[], placement?: Placement): Promise<E.Either<ImportError, ImportResult>>;

  /** The stream's events in version order (empty for an unknown stream). */
  readStream(stream: string): Promise<readonly StoredEvent[]>;
  /**
   * The stream's events of these types only, in version order: what a check of a job's
   * start and segments needs, without decoding its (many) entry events.
   */
  readStreamOfTypes(stream: string, types: readonly string[]): Promise<readonly StoredEvent[]>;
  /** The stream's last version (0 for an unknown stream). */
  streamVersion(stream: string): Promise<number>;
  /**
   * Every event after `fromPosition`, in position order, in batches of at most
   * `batchSize` (never an empty batch). Cold and lazy: each subscription reads one
   * batch at a time (an adapter may produce them asynchronously) and stops reading
   * when unsubscribed.
   */
  readAll(fromPosition: number, batchSize: number): Observable<readonly StoredEvent[]>;
  /** Position of the last stored event (0 when empty). */
  lastPosition(): Promise<number>;
  /** Which of these ids are stored. */
  knownIds(ids: readonly string[]): Promise<ReadonlySet<string>>;

  /** The tape's audit trail: journal entries by seq, then pending and local ones, by position. */
  tapeEvents(tape: TapeId): Promise<readonly TapeEventEntry[]>;
  /** Events waiting to be written to the tape's journal, in position order. */
  pendingFor(tape: TapeId): Promise<readonly StoredEvent[]>;
  /**
   * Records that pending (or unplaced) events now sit in the tape's journal at these
   * seqs, atomically. An event already written on that tape keeps its first seq.
   * Thrown: an unknown id, a seq that is not a positive integer or is taken by another event.
   */
  markWritten(tape: TapeId, written: readonly { readonly id: string; readonly seq: number }[]): Promise<void>;
  /**
   * The tape's journal no longer holds its records from `fromSeq` on (an LTFS index rollback
   * after a power loss): every event written there is pending again, atomically, and keeps
   * its position, so the next flush writes them anew in their order. Returns how many.
   * Thrown: a `fromSeq` that is not a positive integer.
   */
  markUnwritten(tape: TapeId, fromSeq: number): Promise<number>;
  /** The highest journal seq an event of the tape is written at (0 when none is). */
  lastSeq(tape: TapeId): Promise<number>;
  /** Which event (id) the catalog holds at each journal seq of the tape from `fromSeq` on, in seq order. */
  writtenIdsFrom(tape: TapeId, fromSeq: number): Promise<readonly { readonly seq: number; readonly id: string }[]>;
  /** Releases the store (closes its database handle or connection); nothing may be asked after. */
  close(): Promise<void>;
}
