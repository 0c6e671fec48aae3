import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as t from 'io-ts';
import fc from 'fast-check';
import { EventEnvelope } from '../../domain/envelope';
import { EventId } from '../../domain/ids';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import { VolumeLabel } from '../../domain/volume-label';
import { encodeRecord, sha256Hex, type JournalHead } from '../../infrastructure/journal';
import { encodeVolumeLabel } from '../../infrastructure/tape/volume-label-file';

/** Decodes with a codec or fails the test: how tests make branded values without casts. */
export const decodeOrThrow = <A>(codec: t.Type<A, unknown, unknown>, value: unknown): A => {
  const result = codec.decode(value);
  if (result._tag === 'Left') throw new Error(`test value does not decode as ${codec.name}: ${JSON.stringify(value)}`);
  return result.right;
};

/** A UUIDv7-shaped id from a small number: `01890000-0000-7000-8000-00000000000n`. */
export const uuid7 = (n: number, prefix = '01890000'): string =>
  `${prefix}-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

export const TAPE = '000012L5';

export const sampleLabel = (tape = TAPE): VolumeLabel =>
  decodeOrThrow(VolumeLabel, {
    format: 'lto-archive/1',
    tape,
    generation: 'L5',
    volumeUuid: uuid7(1, '0189ffff'),
    created: '2026-01-15T10:00:00.000Z',
  });

/** The bytes volume.json would have for `sampleLabel()`, and their hash (record 1's prev). */
export const sampleLabelBytes = (): Buffer => encodeVolumeLabel(sampleLabel());
export const sampleLabelHash = (): string => sha256Hex(sampleLabelBytes());

/** An envelope with plausible defaults; `n` makes the id (and the time) unique. */
export const makeEnvelope = (n: number, overrides: Record<string, unknown> = {}): EventEnvelope =>
  decodeOrThrow(EventEnvelope, {
    id: uuid7(n),
    stream: `tape-${TAPE}`,
    version: n,
    type: 'TapeDescribed',
    schema: 1,
    at: new Date(Date.UTC(2026, 0, 15, 10, 0, n)).toISOString(),
    data: { tape: TAPE, description: `description ${n}` },
    ...overrides,
  });

export const makeEnvelopes = (count: number): EventEnvelope[] => Array.from({ length: count }, (_, i) => makeEnvelope(i + 1));

/** Where each record's line lies in a journal: `start` of the line, `length` without its LF. */
export interface LineSpan {
  readonly seq: number;
  readonly start: number;
  readonly length: number;
}

export interface BuiltJournal {
  readonly bytes: Buffer;
  readonly lines: readonly Buffer[];
  readonly spans: readonly LineSpan[];
  readonly head: JournalHead;
}

/** A journal in memory, chained from `labelHash`, as the writer would make it. */
export const buildJournal = (envelopes: readonly EventEnvelope[], labelHash: string): BuiltJournal => {
  const lines: Buffer[] = [];
  const spans: LineSpan[] = [];
  let head: JournalHead = { seq: 0, hash: labelHash };
  let offset = 0;
  for (const envelope of envelopes) {
    const encoded = encodeRecord(head.seq + 1, head.hash, envelope);
    if (encoded._tag === 'Left') throw new Error(`test envelope does not encode: ${encoded.left.join('; ')}`);
    head = { seq: head.seq + 1, hash: encoded.right.hash };
    lines.push(encoded.right.line);
    spans.push({ seq: head.seq, start: offset, length: encoded.right.line.length });
    offset += encoded.right.line.length + 1;
  }
  return { bytes: joinLines(lines), lines, spans, head };
};

/** Lines joined, each with its LF. */
export const joinLines = (lines: readonly Buffer[]): Buffer => Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));

/** A fresh temporary folder, removed by `cleanup`. */
export const tempDir = (prefix = 'lto-journal-'): { dir: string; cleanup: () => void } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
};

// ---- fast-check arbitraries ----

/** A value as JSON gives it back (-0 becomes 0, null-prototype objects plain ones). */
const viaJson = (value: unknown): unknown => {
  const parsed: unknown = JSON.parse(JSON.stringify(value));
  return parsed;
};

const serial = fc.stringMatching(/^[A-Z0-9]{6}$/);
const mediaCode = fc.constantFrom('L5', 'L6', 'L7', 'M8', 'L8', 'L9', 'LA', 'PA', 'L10', 'LV', 'LZ');

export const streamArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(serial, mediaCode).map(([s, m]) => `tape-${s}${m}`),
  fc.uuid({ version: 7 }).map((u) => `job-${u}`),
);

/** Any JSON value, unicode included (lone surrogates too), as JSON gives it back. */
export const jsonDataArb: fc.Arbitrary<unknown> = fc
  .oneof(
    fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ unit: fc.constantFrom('\ud800', '\udfff', 'é', '\u2028', '"', '\\', '\n', '\u0000', 'a') }),
  )
  .map(viaJson);

export const envelopeArb: fc.Arbitrary<EventEnvelope> = fc
  .record({
    id: fc.uuid({ version: 7 }),
    stream: streamArb,
    version: fc.integer({ min: 1, max: 1_000_000 }),
    type: fc.oneof(
      fc.constantFrom('TapeInitialised', 'TapeDescribed', 'JobStarted', 'JobCompleted', 'JobFailed', 'JobInterrupted'),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,20}$/),
    ),
    schema: fc.integer({ min: 1, max: 9 }),
    at: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
    data: jsonDataArb,
    meta: fc.option(fc.dictionary(fc.string(), jsonDataArb, { maxKeys: 3 }), { nil: undefined }),
  })
  .map(({ meta, ...rest }) => decodeOrThrow(EventEnvelope, meta === undefined ? rest : { ...rest, meta: viaJson(meta) }));

/** A fresh event id, as the program mints them. */
export const newEventId = (): EventId => {
  const raw = newUuidV7();
  if (!EventId.is(raw)) throw new Error('newUuidV7 made an id that is not an EventId');
  return raw;
};
