import type { EventEnvelope } from '../../domain/envelope';
import type { TapeId } from '../../domain/tape-id';
import type { EventRow } from './event-row';
import type { Placement } from './event-store';
import { arrayRows, cell, integerCell, type PgQueryable } from './pg-rows';
import type { TapeRow, WriteTx } from './write-operations';

/**
 * The shared write rules (write-operations.ts) are synchronous; a server answers
 * asynchronously. So a PostgreSQL write runs in three steps inside its transaction and
 * under the append lock: `prefetch` reads, in a few set-based queries, everything the
 * rules may ask about this batch (stream heads, known ids, taken versions, placements,
 * seq holders); the rules run synchronously against this view, whose writes stay in
 * memory and shadow what was read; `flush` then writes them in two statements. Nothing
 * else writes meanwhile (the lock), so what was read stays true until commit.
 *
 * Asking the view something it did not prefetch is a bug in `prefetch`, thrown at once.
 */
export interface WriteView {
  readonly tx: WriteTx;
  flush(q: PgQueryable): Promise<void>;
}

/** What one write may ask about, taken from the raw arguments (they are decoded later, by the rules). */
export interface WriteKeys {
  readonly envelopes: readonly EventEnvelope[];
  /** Ids named by a markWritten (besides the envelopes' ids). */
  readonly ids?: readonly string[];
  readonly tape?: TapeId;
  readonly seqs?: readonly number[];
  /** markUnwritten's first seq. */
  readonly fromSeq?: number;
}

export const keysOf = (envelopes: readonly EventEnvelope[], placement: Placement | undefined): WriteKeys => ({
  envelopes,
  ...(placement === undefined ? {} : { tape: placement.tape }),
  ...(placement?.state === 'written' ? { seqs: placement.seqs } : {}),
});

const isText = (u: unknown): u is string => typeof u === 'string';
/** Values PostgreSQL's integer columns can hold; anything else cannot be stored, so is not asked for. */
const isInt4 = (u: unknown): u is number => Number.isSafeInteger(u) && typeof u === 'number' && Math.abs(u) < 2 ** 31;
const isInt8 = (u: unknown): u is number => Number.isSafeInteger(u);
const pairKey = (a: string | number, b: string | number): string => `${a}\u0000${b}`;

export const prefetch = async (q: PgQueryable, keys: WriteKeys, recordedAt: Date): Promise<WriteView> => {
  const ids = [...new Set([...keys.envelopes.map((e) => e.id), ...(keys.ids ?? [])].filter(isText))];
  const streams = [...new Set(keys.envelopes.map((e) => e.stream).filter(isText))];
  const pairs = keys.envelopes.filter((e) => isText(e.stream) && isInt4(e.version));
  // One after the other: a client runs one query at a time.
  const last = await arrayRows(q, 'SELECT COALESCE(MAX(position), 0) FROM events');
  const heads = await arrayRows(q, 'SELECT stream, MAX(version) FROM events WHERE stream = ANY($1::text[]) GROUP BY stream', [streams]);
  const positions = await arrayRows(q, 'SELECT id, position FROM events WHERE id = ANY($1::text[])', [ids]);
  const taken = await arrayRows(
    q,
    'SELECT e.stream, e.version, e.id FROM events e JOIN unnest($1::text[], $2::int[]) AS k(stream, version) USING (stream, version)',
    [pairs.map((e) => e.stream), pairs.map((e) => e.version)],
  );
  const known = new Map(positions.map((r) => [cell(r, 0, isText, 'id'), integerCell(r, 1, 'position')]));
  const facts: Facts = {
    lastPosition: integerCell(last[0], 0, 'last position'),
    heads: new Map(streams.map((s) => [s, 0])),
    queriedIds: new Set(ids),
    known,
    taken: new Map(taken.map((r) => [pairKey(cell(r, 0, isText, 'stream'), integerCell(r, 1, 'version')), cell(r, 2, isText, 'id')])),
    queriedPairs: new Set(pairs.map((e) => pairKey(e.stream, e.version))),
    placements: new Map(),
    seqHolders: new Map(),
    queriedSeqs: new Set(),
    knownPositions: new Set(known.values()),
    writtenFrom: undefined,
  };
  for (const r of heads) facts.heads.set(cell(r, 0, isText, 'stream'), integerCell(r, 1, 'version'));
  if (keys.tape !== undefined) await prefetchTape(q, keys.tape, keys, facts);
  return overlay(facts, recordedAt);
};

interface Facts {
  lastPosition: number;
  readonly heads: Map<string, number>;
  readonly queriedIds: ReadonlySet<string>;
  readonly known: ReadonlyMap<string, number>;
  readonly taken: ReadonlyMap<string, string>;
  readonly queriedPairs: ReadonlySet<string>;
  /** Placements on the one tape of this write, by position (only positions of known ids). */
  readonly placements: Map<number, TapeRow>;
  /** Seq → position on that tape (only the seqs this write names, listed in `queriedSeqs`). */
  readonly seqHolders: Map<number, number>;
  readonly queriedSeqs: Set<number>;
  /** Positions whose placements on the tape were read (known ids, events written from `fromSeq`). */
  readonly knownPositions: Set<number>;
  writtenFrom: { readonly fromSeq: number; readonly positions: readonly number[] } | undefined;
}

const prefetchTape = async (q: PgQueryable, tape: TapeId, keys: WriteKeys, facts: Facts): Promise<void> => {
  const seqs = [...new Set(keys.seqs ?? [])].filter(isInt8);
  const placed = await arrayRows(q, 'SELECT position, seq, state FROM tape_events WHERE tape = $1 AND position = ANY($2::bigint[])', [
    tape,
    [...facts.known.values()],
  ]);
  const holders = await arrayRows(q, 'SELECT seq, position FROM tape_events WHERE tape = $1 AND seq = ANY($2::bigint[])', [tape, seqs]);
  for (const r of placed) facts.placements.set(integerCell(r, 0, 'position'), tapeRowOf(r[1], r[2]));
  for (const seq of seqs) facts.queriedSeqs.add(seq);
  for (const r of holders) facts.seqHolders.set(integerCell(r, 0, 'seq'), integerCell(r, 1, 'position'));
  if (keys.fromSeq !== undefined && isInt8(keys.fromSeq)) {
    const written = await arrayRows(q, 'SELECT position, seq, state FROM tape_events WHERE tape = $1 AND seq >= $2 ORDER BY seq', [
      tape,
      keys.fromSeq,
    ]);
    const positions = written.map((r) => {
      const position = integerCell(r, 0, 'position');
      facts.placements.set(position, tapeRowOf(r[1], r[2]));
      facts.knownPositions.add(position);
      return position;
    });
    facts.writtenFrom = { fromSeq: keys.fromSeq, positions };
  }
};

const STATES = ['written', 'pending', 'local'] as const;
const tapeRowOf = (seq: unknown, state: unknown): TapeRow => {
  const s = STATES.find((x) => x === state);
  if (s === 'written' && isInt8(seq)) return { seq, state: s };
  if (s !== undefined && s !== 'written' && seq === null) return { seq: null, state: s };
  throw new Error(`event store: tape placement (${String(seq)}, ${String(state)}) is corrupt`);
};

const notPrefetched = (what: string): never => {
  throw new Error(`event store bug: ${what} was not prefetched`);
};

/** The rules' view: the prefetched facts, shadowed by this write's own changes. */
const overlay = (facts: Facts, recordedAt: Date): WriteView => {
  const inserted: { position: number; row: EventRow }[] = [];
  /** Positions above this one are this write's own events (no placement stored yet). */
  const firstNew = facts.lastPosition;
  const newPositions = new Map<string, number>();
  const newPairs = new Map<string, string>();
  const changed = new Map<string, { tape: TapeId; position: number; row: TapeRow }>();
  /** Seq → holder as changed by this write (null: freed). */
  const seqChanges = new Map<string, number | null>();
  const placementOf = (tape: TapeId, position: number): TapeRow | undefined => {
    const mine = changed.get(pairKey(tape, position));
    if (mine !== undefined) return mine.row;
    if (position > firstNew) return undefined;
    if (!facts.knownPositions.has(position)) return notPrefetched(`the placement of position ${position}`);
    return facts.placements.get(position);
  };
  const setPlacement = (tape: TapeId, position: number, row: TapeRow): void => {
    const previous = placementOf(tape, position);
    if (previous?.seq != null) seqChanges.set(pairKey(tape, previous.seq), null);
    if (row.seq !== null) seqChanges.set(pairKey(tape, row.seq), position);
    changed.set(pairKey(tape, position), { tape, position, row });
  };
  const tx: WriteTx = {
    streamVersion: (stream) => facts.heads.get(stream) ?? notPrefetched(`the version of stream ${stream}`),
    positionOf: (id) => newPositions.get(id) ?? (facts.queriedIds.has(id) ? facts.known.get(id) : notPrefetched(`id ${id}`)),
    idAt: (stream, version) => {
      const key = pairKey(stream, version);
      return newPairs.get(key) ?? (facts.queriedPairs.has(key) ? facts.taken.get(key) : notPrefetched(`(${stream}, ${version})`));
    },
    placementOf,
    positionAtSeq: (tape, seq) => {
      const key = pairKey(tape, seq);
      if (seqChanges.has(key)) return seqChanges.get(key) ?? undefined;
      return facts.queriedSeqs.has(seq) ? facts.seqHolders.get(seq) : notPrefetched(`seq ${seq}`);
    },
    insertEvent: (row) => {
      facts.lastPosition += 1;
      const position = facts.lastPosition;
      inserted.push({ position, row });
      newPositions.set(row.id, position);
      newPairs.set(pairKey(row.stream, row.version), row.id);
      facts.heads.set(row.stream, row.version);
      return position;
    },
    insertPlacement: setPlacement,
    setWritten: (tape, position, seq) => setPlacement(tape, position, { seq, state: 'written' }),
    writtenFromSeq: (_tape, fromSeq) =>
      facts.writtenFrom?.fromSeq === fromSeq ? facts.writtenFrom.positions : notPrefetched(`the seqs from ${fromSeq}`),
    setPending: (tape, position) => setPlacement(tape, position, { seq: null, state: 'pending' }),
  };
  return { tx, flush: (q) => flush(q, inserted, [...changed.values()], recordedAt) };
};

/**
 * A multi-row VALUES with one parameter per cell, not unnest of arrays: pg would quote and
 * escape every JSON text into an array literal, which cost three times SQLite's CPU for a
 * backup's events. 10 parameters a row, under PostgreSQL's 65,535 per statement.
 */
const ROWS_PER_INSERT = 5000;

const insertEvents = async (q: PgQueryable, rows: readonly { position: number; row: EventRow }[], recordedAt: Date): Promise<void> => {
  const values: unknown[] = [recordedAt];
  const tuples = rows.map(({ position, row }) => {
    const at = values.length;
    values.push(position, row.id, row.stream, row.version, row.type, row.schema, row.at, row.data, row.meta);
    return `(${Array.from({ length: 9 }, (_, i) => `$${at + i + 1}`).join(', ')}, $1)`;
  });
  await q.query(
    `INSERT INTO events (position, id, stream, version, type, schema, at, data, meta, recorded_at) VALUES ${tuples.join(', ')}`,
    values,
  );
};

/** A few statements whatever the batch size: the events, then the placements (an upsert). */
const flush = async (
  q: PgQueryable,
  inserted: readonly { position: number; row: EventRow }[],
  placements: readonly { tape: TapeId; position: number; row: TapeRow }[],
  recordedAt: Date,
): Promise<void> => {
  for (let i = 0; i < inserted.length; i += ROWS_PER_INSERT) await insertEvents(q, inserted.slice(i, i + ROWS_PER_INSERT), recordedAt);
  if (placements.length > 0) {
    await q.query(
      `INSERT INTO tape_events (tape, position, seq, state)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[])
       ON CONFLICT (tape, position) DO UPDATE SET seq = EXCLUDED.seq, state = EXCLUDED.state`,
      [placements.map((p) => p.tape), placements.map((p) => p.position), placements.map((p) => p.row.seq), placements.map((p) => p.row.state)],
    );
  }
};
