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
  VersionConflict,
} from './event-store';
import { decodeEventColumns, toColumns, type EventColumns, type EventRow } from './event-row';
import { readBatches } from './read-batches';
import * as ops from './write-operations';

/** One tape's placements, indexed both ways like the SQLite table and its seq index. */
interface TapeIndex {
  readonly byPosition: Map<number, ops.TapeRow>;
  readonly bySeq: Map<number, number>;
}

/**
 * The event store in memory, for tests and tools: the same rules as the SQLite store
 * (the shared write operations) over plain maps. A transaction is an undo log: if
 * anything throws after the first write (a hook, a taken seq), the writes are undone
 * in reverse, so nothing is stored, as a SQLite rollback would do.
 */
export class MemoryEventStore implements EventStore {
  /** Event at position p is at index p - 1: positions are dense, as AUTOINCREMENT without deletes. */
  private readonly rows: EventColumns[] = [];
  private readonly positionById = new Map<string, number>();
  /** A stream's positions by version - 1 (streams are contiguous from 1). */
  private readonly streams = new Map<string, number[]>();
  private readonly tapes = new Map<TapeId, TapeIndex>();
  private readonly hooks: AppendHook[] = [];

  async append(events: readonly EventEnvelope[], placement?: Placement): Promise<E.Either<VersionConflict, readonly StoredEvent[]>> {
    return this.transaction((tx) => ops.appendEvents(tx, this.hooks, events, placement));
  }

  async importEvents(events: readonly EventEnvelope[], placement?: Placement): Promise<E.Either<ImportError, ImportResult>> {
    return this.transaction((tx) => ops.importEvents(tx, this.hooks, events, placement));
  }

  async markWritten(tape: TapeId, written: readonly { readonly id: string; readonly seq: number }[]): Promise<void> {
    this.transaction((tx) => ops.markWritten(tx, tape, written));
  }

  async markUnwritten(tape: TapeId, fromSeq: number): Promise<number> {
    return this.transaction((tx) => ops.markUnwritten(tx, tape, fromSeq));
  }

  async lastSeq(tape: TapeId): Promise<number> {
    return Math.max(0, ...(this.tapes.get(tape)?.bySeq.keys() ?? []));
  }

  async writtenIdsFrom(tape: TapeId, fromSeq: number): Promise<readonly { readonly seq: number; readonly id: string }[]> {
    return [...(this.tapes.get(tape)?.bySeq ?? [])]
      .filter(([seq]) => seq >= fromSeq)
      .sort(([a], [b]) => a - b)
      .map(([seq, position]) => ({ seq, id: this.eventAt(position).id }));
  }

  /**
   * Every event stored after this call (append or import) also runs the hook inside its
   * transaction, after the events and their placement are stored. A hook that throws
   * undoes the whole write; the error propagates.
   */
  onAppend(hook: AppendHook): void {
    this.hooks.push(hook);
  }

  async close(): Promise<void> {}

  async readStream(stream: string): Promise<readonly StoredEvent[]> {
    return (this.streams.get(stream) ?? []).map((position) => this.eventAt(position));
  }

  async readStreamOfTypes(stream: string, types: readonly string[]): Promise<readonly StoredEvent[]> {
    return (await this.readStream(stream)).filter((e) => types.includes(e.type));
  }

  async streamVersion(stream: string): Promise<number> {
    return this.streams.get(stream)?.length ?? 0;
  }

  readAll(fromPosition: number, batchSize: number): Observable<readonly StoredEvent[]> {
    return readBatches((after, limit) => this.rows.slice(after, after + limit).map(decodeEventColumns), fromPosition, batchSize);
  }

  async lastPosition(): Promise<number> {
    return this.rows.length;
  }

  async knownIds(ids: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(ids.filter((id) => this.positionById.has(id)));
  }

  async tapeEvents(tape: TapeId): Promise<readonly TapeEventEntry[]> {
    return this.tapeEventsSync(tape);
  }

  /** `tapeEvents` for a projection hook, which runs inside the append transaction and cannot await. */
  tapeEventsSync(tape: TapeId): readonly TapeEventEntry[] {
    const placed = [...(this.tapes.get(tape)?.byPosition ?? [])];
    const written = placed.flatMap(([position, row]) => (row.seq === null ? [] : [{ position, row, seq: row.seq }]));
    const others = placed.filter(([, row]) => row.seq === null).map(([position, row]) => ({ position, row }));
    written.sort((a, b) => a.seq - b.seq);
    others.sort((a, b) => a.position - b.position);
    return [...written, ...others].map(({ position, row }) => ({ event: this.eventAt(position), ...row }));
  }

  async pendingFor(tape: TapeId): Promise<readonly StoredEvent[]> {
    const placed = [...(this.tapes.get(tape)?.byPosition ?? [])];
    return placed
      .filter(([, row]) => row.state === 'pending')
      .map(([position]) => position)
      .sort((a, b) => a - b)
      .map((position) => this.eventAt(position));
  }

  private eventAt(position: number): StoredEvent {
    return decodeEventColumns(this.rows[position - 1]);
  }

  private tapeIndex(tape: TapeId): TapeIndex {
    let index = this.tapes.get(tape);
    if (index === undefined) {
      index = { byPosition: new Map(), bySeq: new Map() };
      this.tapes.set(tape, index);
    }
    return index;
  }

  /** Runs `work` against a write view whose writes are undone if `work` throws. */
  private transaction<A>(work: (tx: ops.WriteTx) => A): A {
    const undo: (() => void)[] = [];
    try {
      return work(this.writeTx(undo));
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    }
  }

  private writeTx(undo: (() => void)[]): ops.WriteTx {
    return {
      streamVersion: (stream) => this.streams.get(stream)?.length ?? 0,
      positionOf: (id) => this.positionById.get(id),
      idAt: (stream, version) => {
        const position = this.streams.get(stream)?.[version - 1];
        return position === undefined ? undefined : this.rows[position - 1]?.[1];
      },
      placementOf: (tape, position) => this.tapes.get(tape)?.byPosition.get(position),
      positionAtSeq: (tape, seq) => this.tapes.get(tape)?.bySeq.get(seq),
      insertEvent: (row) => this.insertEvent(row, undo),
      insertPlacement: (tape, position, row) => this.setPlacement(tape, position, row, undo),
      setWritten: (tape, position, seq) => this.setPlacement(tape, position, { seq, state: 'written' }, undo),
      writtenFromSeq: (tape, fromSeq) =>
        [...(this.tapes.get(tape)?.bySeq ?? [])]
          .filter(([seq]) => seq >= fromSeq)
          .sort(([a], [b]) => a - b)
          .map(([, position]) => position),
      setPending: (tape, position) => this.setPlacement(tape, position, { seq: null, state: 'pending' }, undo),
    };
  }

  private insertEvent(row: EventRow, undo: (() => void)[]): number {
    const position = this.rows.length + 1;
    const stream = this.streams.get(row.stream) ?? [];
    this.rows.push(toColumns(position, row));
    this.positionById.set(row.id, position);
    stream.push(position);
    this.streams.set(row.stream, stream);
    undo.push(() => {
      this.rows.pop();
      this.positionById.delete(row.id);
      stream.pop();
      if (stream.length === 0) this.streams.delete(row.stream);
    });
    return position;
  }

  /** Inserts or replaces one placement, keeping the seq index in step (a seq added, or taken away). */
  private setPlacement(tape: TapeId, position: number, row: ops.TapeRow, undo: (() => void)[]): void {
    const index = this.tapeIndex(tape);
    const previous = index.byPosition.get(position);
    const previousSeq = previous?.seq ?? null;
    index.byPosition.set(position, row);
    if (previousSeq !== null) index.bySeq.delete(previousSeq);
    if (row.seq !== null) index.bySeq.set(row.seq, position);
    undo.push(() => {
      if (row.seq !== null) index.bySeq.delete(row.seq);
      if (previousSeq !== null) index.bySeq.set(previousSeq, position);
      if (previous === undefined) index.byPosition.delete(position);
      else index.byPosition.set(position, previous);
    });
  }
}
