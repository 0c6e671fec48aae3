import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { foldEvents, type Decider } from '../../../domain/decider';
import type { DomainError } from '../../../domain/errors';
import type { ArchivedEntry, DomainEvent } from '../../../domain/events';
import { JobId } from '../../../domain/ids';
import { ENTRIES_PER_EVENT, jobDecider } from '../../../domain/job/job';
import { tapeCatalogDecider } from '../../../domain/tape/tape-catalog';
import { TapeId } from '../../../domain/tape-id';
import { decodeOrThrow } from '../../support/events';

const TAPE = decodeOrThrow(TapeId, '000012L5');
const JOB = decodeOrThrow(JobId, '01900000-0000-7000-8000-000000000001');

const given = <C, S>(decider: Decider<C, DomainEvent, S, DomainError>, events: readonly DomainEvent[]) => ({
  when: (command: C) => decider.decide(command, foldEvents(decider, events)),
});

describe('Job decider: salvage stand-ins', () => {
  const started: DomainEvent = { type: 'JobStarted', data: { job: JOB, tape: TAPE, type: 'BACKUP', encrypted: false } };
  const closed: DomainEvent = { type: 'SegmentClosed', data: { job: JOB, segment: 1, bytes: 10240, sha256: 'a'.repeat(64), entries: 1 } };
  const completed: DomainEvent = { type: 'JobCompleted', data: { job: JOB, files: 1, bytesRead: 1, bytesWritten: 10240, warnings: 0 } };
  const entry = (i: number): ArchivedEntry => ({ path: `/d/f${i}`, kind: 'file', size: 1, mtimeNs: '0', mode: 0o644, uid: 0, gid: 0 });

  it('stands one FilesArchived in for one damaged record, however many entries were found', () => {
    const entries = Array.from({ length: ENTRIES_PER_EVENT + 1 }, (_, i) => entry(i));
    assert.deepEqual(
      given(jobDecider, [started, closed]).when({ type: 'RecordSalvagedEntries', job: JOB, segment: 1, entries }),
      E.right([{ type: 'FilesArchived', data: { job: JOB, segment: 1, entries } }]),
    );
  });

  it('salvages entries only of a segment the job closed', () => {
    assert.deepEqual(
      given(jobDecider, [started, closed]).when({ type: 'RecordSalvagedEntries', job: JOB, segment: 2, entries: [entry(1)] }),
      E.left({ _tag: 'SegmentNotClosed', job: JOB, segment: 2, closed: 1 }),
    );
  });

  it('notes a lost record whatever the job’s status, but only of a job that started', () => {
    const note = { type: 'NoteLostRecord', job: JOB, version: 4 } as const;
    const warned = E.right([{ type: 'JobWarned', data: { job: JOB, warnings: [{ path: '', reason: 'journal event 4 of this job was damaged and skipped by salvage' }] } }]);
    assert.deepEqual(given(jobDecider, [started]).when(note), warned);
    assert.deepEqual(given(jobDecider, [started, closed, completed]).when(note), warned);
    assert.deepEqual(given(jobDecider, []).when(note), E.left({ _tag: 'JobNotRunning', job: JOB, status: 'NONE' }));
  });
});

describe('Tape catalog decider (forget, recall)', () => {
  const forgotten: DomainEvent = { type: 'TapeForgotten', data: { tape: TAPE } };
  const recalled: DomainEvent = { type: 'TapeRecalled', data: { tape: TAPE } };

  it('forgets a shown tape once', () => {
    assert.deepEqual(given(tapeCatalogDecider, []).when({ type: 'ForgetTape', tape: TAPE }), E.right([forgotten]));
    assert.deepEqual(given(tapeCatalogDecider, [forgotten]).when({ type: 'ForgetTape', tape: TAPE }), E.right([]));
    assert.deepEqual(given(tapeCatalogDecider, [forgotten, recalled]).when({ type: 'ForgetTape', tape: TAPE }), E.right([forgotten]));
  });

  it('recalls only a forgotten tape', () => {
    assert.deepEqual(given(tapeCatalogDecider, []).when({ type: 'RecallTape', tape: TAPE }), E.right([]));
    assert.deepEqual(given(tapeCatalogDecider, [forgotten]).when({ type: 'RecallTape', tape: TAPE }), E.right([recalled]));
    assert.deepEqual(given(tapeCatalogDecider, [forgotten, recalled]).when({ type: 'RecallTape', tape: TAPE }), E.right([]));
  });
});
