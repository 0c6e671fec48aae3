import { randomUUID } from 'node:crypto';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import type { EventEnvelope, StoredEvent } from '../../domain/envelope';
import { EventId } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';

/** A fresh event id (any lower-case UUID passes the EventId codec). */
export const newEventId = (): EventId => {
  const id = randomUUID();
  if (!EventId.is(id)) throw new Error(`randomUUID gave ${id}, which is not an EventId`);
  return id;
};

export const tapeId = (barcode: string): TapeId => {
  if (!TapeId.is(barcode)) throw new Error(`${barcode} is not a tape id`);
  return barcode;
};

export const TAPE_A = tapeId('000001L5');
export const TAPE_B = tapeId('000002L6');

/** One test envelope; `data` says where it belongs so mix-ups show in assertion diffs. */
export const envelope = (stream: string, version: number, overrides: Partial<EventEnvelope> = {}): EventEnvelope => ({
  id: newEventId(),
  stream,
  version,
  type: 'TestHappened',
  schema: 1,
  at: '2026-11-26T10:00:00.000Z',
  data: { stream, version },
  ...overrides,
});

/** Envelopes continuing `stream` from version `after` + 1. */
export const envelopes = (stream: string, count: number, after = 0): EventEnvelope[] =>
  Array.from({ length: count }, (_, i) => envelope(stream, after + i + 1));

/** What a store should hand back for an envelope stored at `position`. */
export const storedAs = (e: EventEnvelope, position: number): StoredEvent => ({ ...e, position });

/** The batches a (synchronous or not) Observable emits until it completes. */
export const collect = <A>(source: Observable<A>): Promise<A[]> => lastValueFrom(source.pipe(toArray()));
