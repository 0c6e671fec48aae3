import * as E from 'fp-ts/Either';
import { lastValueFrom, concatMap } from 'rxjs';
import type { EventEnvelope, StoredEvent } from '../domain/envelope';
import { isTapeId, type TapeId } from '../domain/tape-id';
import type { EventStore, Placement, TapeEventEntry } from '../infrastructure/event-store/event-store';
import { REPLAY_BATCH } from '../projections/runner';

/** `lto catalog copy` will not run or could not finish: why, in words. */
export interface CatalogCopyFailed {
  readonly _tag: 'CatalogCopyFailed';
  /** The target, its password masked. */
  readonly target: string;
  readonly reason: string;
  /** Whether anything was written to the target (a refusal before the first import: no). */
  readonly written: boolean;
}

export interface CatalogCopied {
  /** Events copied, in their order. */
  readonly events: number;
  /** Tapes whose audit trail (journal seqs, pending, local) was carried over. */
  readonly tapes: number;
}

/** One placement of an event on one tape: what a tape's audit trail says about it. */
interface Placed {
  readonly tape: TapeId;
  readonly state: TapeEventEntry['state'];
  readonly seq: number | null;
}

const TAPE_STREAM = /^tape-(.+)$/;

/**
 * Copies every event of `source` into the empty `target`, in position order, keeping ids,
 * stream versions and each event's placement on each tape (journal seq, pending, local).
 * The target's own projections build its catalog as the events arrive (its append hook).
 * Events are imported in runs that share one placement; an event placed on several tapes
 * gets its other placements by importing it again (a known id only records the
 * placement). A `TapeRecalled` is imported alone, after what comes before it is committed:
 * a server catalog reads the recalled tape's history outside the import's transaction.
 */
export const copyCatalog = async (source: EventStore, target: EventStore, targetName: string): Promise<E.Either<CatalogCopyFailed, CatalogCopied>> => {
  const fail = (reason: string, written: boolean): E.Either<CatalogCopyFailed, never> => E.left({ _tag: 'CatalogCopyFailed', target: targetName, reason, written });
  const held = await target.lastPosition();
  if (held > 0) return fail(`it is not empty (it holds events up to position ${held}): give an empty database or a new file`, false);
  const tapes = await tapesOf(source);
  const placements = await placementsOf(source, tapes);
  let events = 0;
  let problem: string | undefined;
  await lastValueFrom(
    source.readAll(0, REPLAY_BATCH).pipe(
      concatMap(async (batch) => {
        if (problem !== undefined) return;
        for (const run of runsOf(batch, placements)) {
          problem = await importRun(target, run, placements);
          if (problem !== undefined) return;
          events += run.events.length;
        }
      }),
    ),
    { defaultValue: undefined },
  );
  if (problem !== undefined) return fail(problem, events > 0);
  return E.right({ events, tapes: tapes.length });
};

/** Every tape the store has a stream of (`tape-<id>`): the tapes events can be placed on. */
const tapesOf = async (store: EventStore): Promise<readonly TapeId[]> => {
  const tapes = new Set<TapeId>();
  await lastValueFrom(
    store.readAll(0, REPLAY_BATCH).pipe(
      concatMap(async (batch) => {
        for (const event of batch) {
          const tape = TAPE_STREAM.exec(event.stream)?.[1];
          if (tape !== undefined && isTapeId(tape)) tapes.add(tape);
        }
      }),
    ),
    { defaultValue: undefined },
  );
  return [...tapes].sort();
};

/** Each event's placements by id, each tape's in its audit trail's order. */
const placementsOf = async (store: EventStore, tapes: readonly TapeId[]): Promise<ReadonlyMap<string, readonly Placed[]>> => {
  const byId = new Map<string, Placed[]>();
  for (const tape of tapes) {
    for (const entry of await store.tapeEvents(tape)) {
      const list = byId.get(entry.event.id) ?? [];
      list.push({ tape, state: entry.state, seq: entry.seq });
      byId.set(entry.event.id, list);
    }
  }
  return byId;
};

interface Run {
  readonly events: readonly StoredEvent[];
  readonly placement: Placement | undefined;
}

const keyOf = (placed: Placed | undefined): string => (placed === undefined ? '' : `${placed.tape} ${placed.state}`);

/** Consecutive events sharing their first placement (tape and state), a `TapeRecalled` alone. */
const runsOf = (batch: readonly StoredEvent[], placements: ReadonlyMap<string, readonly Placed[]>): readonly Run[] => {
  const runs: StoredEvent[][] = [];
  let current: StoredEvent[] = [];
  let key: string | undefined;
  for (const event of batch) {
    const k = keyOf(placements.get(event.id)?.[0]);
    const alone = event.type === 'TapeRecalled';
    if (current.length > 0 && (k !== key || alone || current[0]?.type === 'TapeRecalled')) {
      runs.push(current);
      current = [];
    }
    current.push(event);
    key = k;
  }
  if (current.length > 0) runs.push(current);
  return runs.map((events) => ({ events, placement: placementOf(events, events.map((e) => placements.get(e.id)?.[0])) }));
};

const placementOf = (events: readonly StoredEvent[], first: readonly (Placed | undefined)[]): Placement | undefined => {
  const placed = first[0];
  if (placed === undefined) return undefined;
  if (placed.state !== 'written') return { tape: placed.tape, state: placed.state };
  return { tape: placed.tape, state: 'written', seqs: events.map((_, i) => first[i]?.seq ?? 0) };
};

const envelope = (event: StoredEvent): EventEnvelope => {
  const { position: _position, ...rest } = event;
  return rest;
};

/** Imports a run, then each of its events' other placements; a problem in words (undefined: done). */
const importRun = async (target: EventStore, run: Run, placements: ReadonlyMap<string, readonly Placed[]>): Promise<string | undefined> => {
  const imported = await target.importEvents(run.events.map(envelope), run.placement);
  if (E.isLeft(imported)) return `the target refused event ${imported.left.importedId} of ${imported.left.stream} (${imported.left._tag})`;
  for (const event of run.events) {
    for (const other of (placements.get(event.id) ?? []).slice(1)) {
      const placement: Placement = other.state === 'written' ? { tape: other.tape, state: 'written', seqs: [other.seq ?? 0] } : { tape: other.tape, state: other.state };
      const again = await target.importEvents([envelope(event)], placement);
      if (E.isLeft(again)) return `the target refused the placement of ${event.id} on ${other.tape} (${again.left._tag})`;
    }
  }
  return undefined;
};
