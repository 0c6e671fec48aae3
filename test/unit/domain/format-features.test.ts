import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { foldEvents } from '../../../domain/decider';
import { decodeDomainEvent, type DomainEvent } from '../../../domain/events';
import { featuresOfEntries, KNOWN_FEATURES, unknownFeatures } from '../../../domain/format-features';
import { JobId } from '../../../domain/ids';
import { jobDecider } from '../../../domain/job/job';
import { TapeId } from '../../../domain/tape-id';

const decoded = <A>(codec: { decode: (u: unknown) => E.Either<unknown, A> }, value: string): A => {
  const d = codec.decode(value);
  if (E.isLeft(d)) throw new Error(`bad test value ${value}`);
  return d.right;
};
const TAPE = decoded(TapeId, '000012L5');
const JOB = decoded(JobId, '01900000-0000-7000-8000-000000000001');
const file = { kind: 'file' as const, size: 10, mtimeNs: '0', mode: 0o644, offset: 512, sha256: 'a'.repeat(64) };

describe('format features', () => {
  it('marks only what the entries use, in a fixed order', () => {
    const plain = { ...file, path: '/a' };
    assert.deepEqual(featuresOfEntries([plain]), []);
    const link = { ...file, path: '/b', link: '/a' };
    const sparse = { ...file, path: '/c', sparse: [[0, 4096] as [number, number]] };
    const piece = { ...file, path: '/d', extent: { offset: 0, fileSize: 20 } };
    assert.deepEqual(featuresOfEntries([plain, link, sparse]), ['sparse-files', 'hard-links']);
    assert.deepEqual(featuresOfEntries([piece, link, sparse]), [...KNOWN_FEATURES]);
  });

  it('knows its own features and names the others, each once', () => {
    assert.deepEqual(unknownFeatures(['split-files', 'sparse-files', 'hard-links']), []);
    assert.deepEqual(unknownFeatures(['hard-links', 'zstd', 'zstd', 'Split-Files']), ['zstd', 'Split-Files']);
  });

  it('a segment names the features of its entries; one that uses none carries no field', () => {
    const running: DomainEvent[] = [{ type: 'JobStarted', data: { job: JOB, tape: TAPE, type: 'BACKUP', encrypted: false } }];
    const state = foldEvents(jobDecider, running);
    const plain = jobDecider.decide({ type: 'CloseSegment', job: JOB, segment: 1, bytes: 2048, sha256: 'b'.repeat(64), entries: [{ ...file, path: '/a' }] }, state);
    assert.ok(E.isRight(plain));
    const closedPlain = plain.right[0];
    assert.equal(closedPlain?.type, 'SegmentClosed');
    assert.equal(closedPlain !== undefined && 'features' in closedPlain.data, false);
    const piece = { ...file, path: '/big', extent: { offset: 0, fileSize: 1 << 20 } };
    const split = jobDecider.decide({ type: 'CloseSegment', job: JOB, segment: 1, bytes: 2048, sha256: 'b'.repeat(64), entries: [piece] }, state);
    assert.ok(E.isRight(split));
    assert.deepEqual(split.right[0], { type: 'SegmentClosed', data: { job: JOB, segment: 1, bytes: 2048, sha256: 'b'.repeat(64), entries: 1, features: ['split-files'] } });
  });

  it('decodes events naming features it does not know (they are refused where read, not dropped)', () => {
    const started = decodeDomainEvent('JobStarted', 1, { job: JOB, tape: TAPE, type: 'BACKUP', encrypted: false, features: ['from-the-future'] });
    assert.ok(E.isRight(started));
    const closed = decodeDomainEvent('SegmentClosed', 1, { job: JOB, segment: 1, bytes: 0, sha256: 'c'.repeat(64), entries: 0, features: ['x'] });
    assert.ok(E.isRight(closed));
    assert.ok(E.isLeft(decodeDomainEvent('SegmentClosed', 1, { job: JOB, segment: 1, bytes: 0, sha256: 'c'.repeat(64), entries: 0, features: 'x' })));
  });
});
