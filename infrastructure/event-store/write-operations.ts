import * as E from 'fp-ts/Either';
import type { EventEnvelope, StoredEvent } from '../../domain/envelope';
import type { TapeId } from '../../domain/tape-id';
import type {
  AppendHook,
  ImportError,
  ImportResult,
  Placement,
  TapeEventState,
  VersionConflict,
} from './event-store';
import { decodeEventColumns, toColumns, toEventRow, type EventRow } from './event-row';
import { DuplicateEventIdError, InvalidPlacementError, SeqTakenError, UnknownEventError } from './store-errors';

/**
 * The rules of append, import, markWritten and markUnwritten, written once for every store. A store
 * supplies a `WriteTx` (its reads and writes inside one of its transactions) and runs
 * these functions inside that transaction: so the SQLite and in-memory stores behave
 * alike by construction, and the contract tests check the plumbing.
 *
 * Every operation decides (reads only) before it writes, so a Left leaves nothing to
 * undo; anything thrown after the first write is undone by the store's rollback.
 */
export interface WriteTx {
  /** The stream's last version, 0 when it has none. */
  streamVersion(stream: string): number;
  positionOf(id: string): number | undefined;
  idAt(stream: string, version: number): string | undefined;
  placementOf(tape: TapeId, position: number): TapeRow | undefined;
  positionAtSeq(tape: TapeId, seq: number): number | undefined;
  /** Stores the event at the next position and returns that position. */
  insertEvent(row: EventRow): number;
  insertPlacement(tape: TapeId, position: number, placement: TapeRow): void;
  setWritten(tape: TapeId, position: number, seq: number): void;
  /** Positions of the events written on the tape at `fromSeq` or later, in seq order. */
  writtenFromSeq(tape: TapeId, fromSeq: number): readonly number[];
  /** Turns a written placement back into a pending one (no seq). */
  setPending(tape: TapeId, position: number): void;
}

/** One event's place on one tape; `seq` is set exactly when `state` is `written`. */
export interface TapeRow {
  readonly seq: number | null;
  readonly state: TapeEventState;
}

export const appendEvents = (
  tx: WriteTx,
  hooks: readonly AppendHook[],
  events: readonly EventEnvelope[],
  placement: Placement | undefined,
): E.Either<VersionConflict, readonly StoredEvent[]> => {
  checkPlacement(placement, events.length);
  const rows = events.map(toEventRow);
  const conflict = findVersionConflict(tx, rows);
  if (conflict !== undefined) return E.left(conflict);
  checkFreshIds(tx, rows);
  const stored = rows.map((row, i) => storeNew(tx, row, placementAt(placement, i)));
  runHooks(hooks, stored);
  return E.right(stored);
};

export const importEvents = (
  tx: WriteTx,
  hooks: readonly AppendHook[],
  events: readonly EventEnvelope[],
  placement: Placement | undefined,
): E.Either<ImportError, ImportResult> => {
  checkPlacement(placement, events.length);
  const rows = events.map(toEventRow);
  const plan = planImport(tx, rows);
  if (E.isLeft(plan)) return plan;
  const imported: StoredEvent[] = [];
  rows.forEach((row, i) => {
    const place = placementAt(placement, i);
    if (plan.right[i] === true) imported.push(storeNew(tx, row, place));
    else if (place !== undefined) placeKnown(tx, place.tape, requirePosition(tx, row.id), place.row);
  });
  runHooks(hooks, imported);
  return E.right({ imported, alreadyKnown: rows.length - imported.length });
};

export const markWritten = (
  tx: WriteTx,
  tape: TapeId,
  written: readonly { readonly id: string; readonly seq: number }[],
): void => {
  for (const { id, seq } of written) {
    checkSeq(seq);
    placeKnown(tx, tape, requirePosition(tx, id), { seq, state: 'written' });
  }
};

/**
 * The tape's journal lost its records from `fromSeq` on (LTFS rolled the volume back to an
 * earlier index): the events placed there are pending again, to be written anew. Returns
 * how many.
 */
export const markUnwritten = (tx: WriteTx, tape: TapeId, fromSeq: number): number => {
  checkSeq(fromSeq);
  const positions = tx.writtenFromSeq(tape, fromSeq);
  for (const position of positions) tx.setPending(tape, position);
  return positions.length;
};

/** Each stream must continue at its version + 1, counting the batch's earlier events. */
const findVersionConflict = (tx: WriteTx, rows: readonly EventRow[]): VersionConflict | undefined => {
  const heads = new Map<string, number>();
  for (const { stream, version } of rows) {
    const actual = heads.get(stream) ?? tx.streamVersion(stream);
    if (version !== actual + 1) return { _tag: 'VersionConflict', stream, expected: version - 1, actual };
    heads.set(stream, version);
  }
  return undefined;
};

/** Append mints its ids, so a known or repeated id is a bug, thrown before anything is written. */
const checkFreshIds = (tx: WriteTx, rows: readonly EventRow[]): void => {
  const seen = new Set<string>();
  for (const { id } of rows) {
    if (seen.has(id) || tx.positionOf(id) !== undefined) throw new DuplicateEventIdError(id);
    seen.add(id);
  }
};

/**
 * Which rows are new (true) and which already known (false); a Left when a new row
 * does not continue its stream. Known ids are skipped whatever stream they claim: the
 * id is the identity, and a recovered journal may repeat an event.
 */
const planImport = (tx: WriteTx, rows: readonly EventRow[]): E.Either<ImportError, readonly boolean[]> => {
  const seen = new Set<string>();
  const heads = new Map<string, number>();
  const claimedInBatch = new Map<string, string>();
  const isNew: boolean[] = [];
  for (const row of rows) {
    const known = seen.has(row.id) || tx.positionOf(row.id) !== undefined;
    seen.add(row.id);
    isNew.push(!known);
    if (known) continue;
    const head = heads.get(row.stream) ?? tx.streamVersion(row.stream);
    const key = `${row.stream}\u0000${row.version}`;
    if (row.version <= head) return E.left(importConflict(row, claimedInBatch.get(key) ?? existingIdAt(tx, row)));
    if (row.version > head + 1) {
      return E.left({ _tag: 'ImportGap', stream: row.stream, expected: head + 1, found: row.version, importedId: row.id });
    }
    heads.set(row.stream, row.version);
    claimedInBatch.set(key, row.id);
  }
  return E.right(isNew);
};

const importConflict = (row: EventRow, existingId: string): ImportError => ({
  _tag: 'ImportConflict',
  stream: row.stream,
  version: row.version,
  existingId,
  importedId: row.id,
});

/** Streams are contiguous from 1, so every version up to the head is stored. */
const existingIdAt = (tx: WriteTx, row: EventRow): string => {
  const id = tx.idAt(row.stream, row.version);
  if (id === undefined) throw new Error(`stream ${row.stream} has no version ${row.version} below its head`);
  return id;
};

interface PlaceOne {
  readonly tape: TapeId;
  readonly row: TapeRow;
}

const placementAt = (placement: Placement | undefined, i: number): PlaceOne | undefined => {
  if (placement === undefined) return undefined;
  if (placement.state !== 'written') return { tape: placement.tape, row: { seq: null, state: placement.state } };
  return { tape: placement.tape, row: { seq: placement.seqs[i] ?? null, state: 'written' } };
};

const storeNew = (tx: WriteTx, row: EventRow, place: PlaceOne | undefined): StoredEvent => {
  const position = tx.insertEvent(row);
  if (place !== undefined) {
    if (place.row.seq !== null) claimSeq(tx, place.tape, place.row.seq, position);
    tx.insertPlacement(place.tape, position, place.row);
  }
  // Decoded from the stored form, so hooks and callers see exactly what a replay will.
  return decodeEventColumns(toColumns(position, row));
};

/**
 * Places an event that is already stored: adds a missing placement, or turns one
 * without a seq into `written`. A seq already recorded wins (the first journal record
 * of an event is where it sits), and `pending` never downgrades `written`.
 */
const placeKnown = (tx: WriteTx, tape: TapeId, position: number, row: TapeRow): void => {
  const existing = tx.placementOf(tape, position);
  if (existing !== undefined && (existing.seq !== null || row.seq === null)) return;
  if (row.seq !== null) claimSeq(tx, tape, row.seq, position);
  if (existing === undefined) tx.insertPlacement(tape, position, row);
  else if (row.seq !== null) tx.setWritten(tape, position, row.seq);
};

const claimSeq = (tx: WriteTx, tape: TapeId, seq: number, position: number): void => {
  const holder = tx.positionAtSeq(tape, seq);
  if (holder !== undefined && holder !== position) throw new SeqTakenError(tape, seq, holder, position);
};

const requirePosition = (tx: WriteTx, id: string): number => {
  const position = tx.positionOf(id);
  if (position === undefined) throw new UnknownEventError(id);
  return position;
};

const checkPlacement = (placement: Placement | undefined, count: number): void => {
  if (placement?.state !== 'written') return;
  if (placement.seqs.length !== count) {
    throw new InvalidPlacementError(`${placement.seqs.length} seqs for ${count} events on tape ${placement.tape}`);
  }
  placement.seqs.forEach(checkSeq);
};

/** Journal seqs count from 1. */
const checkSeq = (seq: number): void => {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new InvalidPlacementError(`journal seq ${seq} is not a positive integer`);
};

const runHooks = (hooks: readonly AppendHook[], stored: readonly StoredEvent[]): void => {
  if (stored.length === 0) return;
  for (const hook of hooks) hook(stored);
};
