import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import { EventEnvelope, type StoredEvent } from '../../domain/envelope';
import { EventId } from '../../domain/ids';
import { CorruptEventRowError, InvalidEnvelopeError } from './store-errors';

/**
 * An event as both stores keep it: the envelope with `data` and `meta` as JSON text.
 * The in-memory store keeps these too, so it hands out exactly what SQLite would
 * (fresh objects, `undefined` fields dropped, no aliasing of the caller's data).
 */
export interface EventRow {
  readonly id: string;
  readonly stream: string;
  readonly version: number;
  readonly type: string;
  readonly schema: number;
  readonly at: string;
  readonly data: string;
  readonly meta: string | null;
}

/** The column order every event read uses (SQLite `.raw()` rows and the memory store's rows). */
export const EVENT_COLUMNS = 'position, id, stream, version, type, schema, at, data, meta';

export type EventColumns = readonly [number, string, string, number, string, number, string, string, string | null];

export const toColumns = (position: number, row: EventRow): EventColumns => [
  position,
  row.id,
  row.stream,
  row.version,
  row.type,
  row.schema,
  row.at,
  row.data,
  row.meta,
];

/**
 * Checks an envelope at the door (the full io-ts codec: ids, stream names, times) and
 * serialises it. Reads can then trust the formats and only check column types, which
 * keeps replay cheap.
 */
export const toEventRow = (envelope: EventEnvelope): EventRow => {
  const decoded = EventEnvelope.decode(envelope);
  if (decoded._tag === 'Left') throw new InvalidEnvelopeError(envelope.id, PathReporter.report(decoded).join('; '));
  const e = decoded.right;
  return {
    id: e.id,
    stream: e.stream,
    version: e.version,
    type: e.type,
    schema: e.schema,
    at: e.at,
    data: toJson(e.id, 'data', e.data),
    meta: e.meta === undefined ? null : toJson(e.id, 'meta', e.meta),
  };
};

const toJson = (id: string, field: string, value: unknown): string => {
  let text: unknown;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidEnvelopeError(id, `${field} is not JSON (${String(error)})`);
  }
  // JSON.stringify(undefined) (or of a function) gives undefined, which no journal can hold.
  if (typeof text !== 'string') throw new InvalidEnvelopeError(id, `${field} is not JSON`);
  return text;
};

const isText = (u: unknown): u is string => typeof u === 'string';
const isCount = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0;
const isPositive = (u: unknown): u is number => isCount(u) && u >= 1;

/**
 * Decodes one row in `EVENT_COLUMNS` order. A row that does not fit is corruption of
 * our own database, so it throws, naming the position.
 */
export const decodeEventColumns = (row: unknown): StoredEvent => {
  const columns: readonly unknown[] = Array.isArray(row) ? row : [];
  const position = columns[0];
  if (!isPositive(position)) throw new CorruptEventRowError(position, 'no valid position');
  const column = <A>(index: number, name: string, is: (u: unknown) => u is A): A => {
    const value = columns[index];
    if (is(value)) return value;
    throw new CorruptEventRowError(position, `${name} is ${JSON.stringify(value)}`);
  };
  const event: StoredEvent = {
    position,
    id: column(1, 'id', EventId.is),
    stream: column(2, 'stream', isText),
    version: column(3, 'version', isPositive),
    type: column(4, 'type', isText),
    schema: column(5, 'schema', isPositive),
    at: column(6, 'at', isText),
    data: parseJson(position, 'data', column(7, 'data', isText)),
  };
  const meta = columns[8];
  if (meta === null) return event;
  const parsed = parseJson(position, 'meta', column(8, 'meta', isText));
  if (!t.UnknownRecord.is(parsed)) throw new CorruptEventRowError(position, 'meta is not an object');
  return { ...event, meta: parsed };
};

const parseJson = (position: number, field: string, text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new CorruptEventRowError(position, `${field} is not JSON`);
  }
};
