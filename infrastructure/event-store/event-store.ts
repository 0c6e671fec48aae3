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
 * commit (or roll back) together with the events. Must be synchronous.
 */
export type AppendHook = (events: readonly StoredEvent[]) => void;

/**
 * The event store port. Synchronous because better-sqlite3 is and because an append
 * and its projection updates commit in one transaction (a server database behind
 * this port would make it asynchronous).
 */
export interface EventStore {
  /**
   * Appends envelopes atomically across streams. For each stream the versions must be
   * contiguous and start right after the stream's current version; otherwise nothing
   * is stored and the conflict is returned.
   */
  append(events: readonly EventEnvelope[], placement?: Placement): E.Either<VersionConflict, readonly StoredEvent[]>;

  /**
   * Stores events read from elsewhere (a tape journal) with their own ids and
   * versions; events whose id is already known are skipped (idempotent). Atomic.
   */
  importEvents(
    events: readonly EventEnvelope[],
    placement?: Placement,
  ): E.Either<ImportConflict, { readonly imported: readonly StoredEvent[]; readonly alreadyKnown: number }>;

  readStream(stream: string): readonly StoredEvent[];
  streamVersion(stream: string): number;
  /** Every event after `fromPosition`, in position order, in batches of at most `batchSize`. */
  readAll(fromPosition: number, batchSize: number): Observable<readonly StoredEvent[]>;
  /** Position of the last stored event (0 when empty). */
  lastPosition(): number;
  /** Which of these ids are stored. */
  knownIds(ids: readonly string[]): ReadonlySet<string>;

  /** The tape's audit trail: journal entries by seq, then pending and local ones, by position. */
  tapeEvents(tape: TapeId): readonly TapeEventEntry[];
  /** Events waiting to be written to the tape's journal, in position order. */
  pendingFor(tape: TapeId): readonly StoredEvent[];
  /** Records that pending (or unplaced) events now sit in the tape's journal at these seqs. */
  markWritten(tape: TapeId, written: readonly { readonly id: string; readonly seq: number }[]): void;
  /** Every event stored after this one also runs the hook inside its transaction. */
  onAppend(hook: AppendHook): void;
}
