import * as t from 'io-ts';
import { Count, EventId, IsoTime, checked } from './ids';

/** A stream name: `tape-<TAPEID>`, `job-<JOBID>`, `label-<NAME>` (printable ASCII, no spaces). */
export const StreamName = checked('StreamName', t.string, (s) => /^[a-z]+-[\x21-\x7e]{1,200}$/.test(s));

/** A stream version: 1 for the first event of a stream. */
export const StreamVersion = checked('StreamVersion', Count, (n) => n >= 1);

/**
 * The one envelope of an event, the same in the local store and in the tape journal
 * (DESIGN §2). `data` stays `unknown` here: the envelope is decoded first, then
 * `decodeDomainEvent` upcasts and decodes the data by `type` and `schema`.
 */
export const EventEnvelope = t.intersection([
  t.type({
    id: EventId,
    stream: StreamName,
    version: StreamVersion,
    type: checked('EventTypeName', t.string, (s) => /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(s)),
    schema: checked('Schema', Count, (n) => n >= 1),
    at: IsoTime,
    data: checked('EventData', t.unknown, (u) => u !== undefined),
  }),
  t.partial({ meta: t.UnknownRecord }),
]);
export type EventEnvelope = t.TypeOf<typeof EventEnvelope>;

/** An envelope as the local store holds it: with its global position (1, 2, ...). */
export type StoredEvent = EventEnvelope & { readonly position: number };

