import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { decodeDomainEvent } from '../../domain/events';
import { encodeRecord, readJournal, sha256Hex } from '../../infrastructure/journal';
import { encodeVolumeLabel, readVolumeLabel } from '../../infrastructure/tape/volume-label-file';

/**
 * test/fixtures/golden-v1 was written once by the format-1 writer and is never
 * regenerated: it pins format lto-archive/1. Every later version must read it.
 * (Tests run from dist/test/unit: the fixture stays in the source tree.)
 */
const ARCHIVE = path.resolve(__dirname, '../../../test/fixtures/golden-v1/LTO-ARCHIVE');
const JOURNAL = path.join(ARCHIVE, 'journal.ndjson');

const TAPE = '000012L5';
const VOLUME = '019bc119-0100-7000-8000-00000000a001';
const JOB_1 = '019bc119-0100-7000-8000-00000000b001';
const JOB_2 = '019bc119-eb60-7000-8000-00000000b002';
const LABEL_SHA256 = '5d4e09df21913b284d878d7334558c073064a2b255f4e6494c32f453c27025a1';
const HEAD_SHA256 = 'eaad73b64993d56605707ab9ce96b18580b1aca47021a14d1c44b000356e1213';

const right = <L, A>(either: E.Either<L, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

describe('golden journal, format lto-archive/1', () => {
  it('has its volume.json, unchanged, decoding to the tape it was written for', () => {
    const label = right(readVolumeLabel(ARCHIVE));
    assert.equal(label.hash, LABEL_SHA256);
    assert.deepEqual(label.label, { format: 'lto-archive/1', tape: TAPE, generation: 'L5', volumeUuid: VOLUME, created: '2026-01-15T10:00:00.000Z' });
  });

  it('reads as one complete chain of 6 records from volume.json', () => {
    const label = right(readVolumeLabel(ARCHIVE));
    const journal = right(readJournal(JOURNAL, label.bytes));
    assert.deepEqual([journal.complete, journal.breaks, journal.tornTail, journal.healedTears, journal.unterminated], [true, [], undefined, [], false]);
    assert.deepEqual(journal.head, { seq: 6, hash: HEAD_SHA256 });
    assert.deepEqual(
      journal.records.map((r) => [r.seq, r.event.id, r.event.stream, r.event.version, r.event.type, r.event.schema, r.event.at]),
      [
        [1, '019bc119-0100-7000-8000-0000000000e1', `job-${JOB_1}`, 1, 'JobStarted', 1, '2026-01-15T10:00:00.000Z'],
        [2, '019bc119-04e8-7000-8000-0000000000e2', `tape-${TAPE}`, 1, 'TapeInitialised', 1, '2026-01-15T10:00:01.000Z'],
        [3, '019bc119-08d0-7000-8000-0000000000e3', `job-${JOB_1}`, 2, 'JobCompleted', 1, '2026-01-15T10:00:02.000Z'],
        [4, '019bc119-7630-7000-8000-0000000000e4', `tape-${TAPE}`, 2, 'TapeDescribed', 1, '2026-01-15T10:00:30.000Z'],
        [5, '019bc119-eb60-7000-8000-0000000000e5', `job-${JOB_2}`, 1, 'JobStarted', 1, '2026-01-15T10:01:00.000Z'],
        [6, '019bc119-ef48-7000-8000-0000000000e6', `job-${JOB_2}`, 2, 'JobFailed', 1, '2026-01-15T10:01:01.000Z'],
      ],
    );
    assert.deepEqual(journal.records[5]?.event.meta, { note: 'golden fixture' });
  });

  it('decodes every event with the domain codecs, to the exact values written', () => {
    const journal = right(readJournal(JOURNAL, LABEL_SHA256));
    const events = journal.records.map((r) => right(decodeDomainEvent(r.event.type, r.event.schema, r.event.data)));
    const zero = { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 };
    assert.deepEqual(events, [
      { type: 'JobStarted', data: { job: JOB_1, tape: TAPE, type: 'ADD_TAPE', encrypted: false } },
      {
        type: 'TapeInitialised',
        data: {
          tape: TAPE,
          generation: 'L5',
          capacityBytes: 1_500_000_000_000,
          description: 'golden fixture',
          volumeUuid: VOLUME,
          format: 'lto-archive/1',
          encrypted: false,
          job: JOB_1,
        },
      },
      { type: 'JobCompleted', data: { job: JOB_1, ...zero } },
      { type: 'TapeDescribed', data: { tape: TAPE, description: 'Bänder – format 1 "golden" fixture ✓' } },
      { type: 'JobStarted', data: { job: JOB_2, tape: TAPE, type: 'ADD_TAPE', encrypted: false } },
      { type: 'JobFailed', data: { job: JOB_2, reason: 'test', ...zero } },
    ]);
  });

  // Holds while this version writes format 1: a writer that changed a byte of the
  // record layout would fail here before it wrote a tape that older readers misread.
  it('is what the current writer writes, byte for byte', () => {
    const journal = right(readJournal(JOURNAL, LABEL_SHA256));
    let prev = LABEL_SHA256;
    const lines = journal.records.map((r) => {
      const encoded = right(encodeRecord(r.seq, prev, r.event));
      prev = encoded.hash;
      return encoded.line.toString('utf8');
    });
    assert.equal(`${lines.join('\n')}\n`, fs.readFileSync(JOURNAL, 'utf8'));
    const label = right(readVolumeLabel(ARCHIVE));
    assert.deepEqual(encodeVolumeLabel(label.label), fs.readFileSync(path.join(ARCHIVE, 'volume.json')));
    assert.equal(sha256Hex(encodeVolumeLabel(label.label)), LABEL_SHA256);
  });
});
