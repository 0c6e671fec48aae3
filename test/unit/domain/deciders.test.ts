import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { foldEvents, type Decider } from '../../../domain/decider';
import type { DomainError } from '../../../domain/errors';
import type { DomainEvent } from '../../../domain/events';
import { JobId, VolumeUuid } from '../../../domain/ids';
import { jobDecider, NO_TOTALS, type JobCommand } from '../../../domain/job/job';
import { tapeDecider, type TapeCommand } from '../../../domain/tape/tape';
import { TapeId } from '../../../domain/tape-id';

const decode = <A>(codec: { decode: (u: unknown) => E.Either<unknown, A> }, value: string): A => {
  const d = codec.decode(value);
  if (E.isLeft(d)) throw new Error(`bad test value ${value}`);
  return d.right;
};

const TAPE = decode(TapeId, '000012L5');
const JOB = decode(JobId, '01900000-0000-7000-8000-000000000001');
const VOLUME = decode(VolumeUuid, '01900000-0000-7000-8000-0000000000aa');

/** given(events).when(command) → the decision, as in emmett's tests. */
const given = <C, S>(decider: Decider<C, DomainEvent, S, DomainError>, events: readonly DomainEvent[]) => ({
  when: (command: C) => decider.decide(command, foldEvents(decider, events)),
});

const initialise: TapeCommand = {
  type: 'InitialiseTape',
  tape: TAPE,
  generation: 'L5',
  capacityBytes: 1.5e12,
  description: 'Photos 2019',
  volumeUuid: VOLUME,
  job: JOB,
  slots: [],
};
const initialised: DomainEvent = {
  type: 'TapeInitialised',
  data: { tape: TAPE, generation: 'L5', capacityBytes: 1.5e12, description: 'Photos 2019', volumeUuid: VOLUME, format: 'lto-archive/1', encrypted: false, job: JOB },
};

describe('Tape decider', () => {
  it('initialises an unknown tape', () => {
    assert.deepEqual(given(tapeDecider, []).when(initialise), E.right([initialised]));
  });

  it('refuses to initialise a tape twice', () => {
    assert.deepEqual(given(tapeDecider, [initialised]).when(initialise), E.left({ _tag: 'TapeAlreadyInitialised', tape: TAPE }));
  });

  it('describes an initialised tape, and does nothing when the description is the same', () => {
    const describe = (description: string): TapeCommand => ({ type: 'DescribeTape', tape: TAPE, description });
    assert.deepEqual(given(tapeDecider, [initialised]).when(describe('Photos 2019-2020')), E.right([{ type: 'TapeDescribed', data: { tape: TAPE, description: 'Photos 2019-2020' } }]));
    assert.deepEqual(given(tapeDecider, [initialised]).when(describe('Photos 2019')), E.right([]));
  });

  it('refuses to describe a tape that was never initialised', () => {
    assert.deepEqual(
      given(tapeDecider, []).when({ type: 'DescribeTape', tape: TAPE, description: 'x' }),
      E.left({ _tag: 'TapeNotInitialised', tape: TAPE }),
    );
  });
});

describe('Job decider', () => {
  const start: JobCommand = { type: 'StartJob', job: JOB, tape: TAPE, jobType: 'BACKUP', mode: 'FULL', encrypted: false, host: 'h' };
  const started: DomainEvent = { type: 'JobStarted', data: { job: JOB, tape: TAPE, type: 'BACKUP', encrypted: false, mode: 'FULL', host: 'h' } };
  const totals = { files: 3, bytesRead: 300, bytesWritten: 2048, warnings: 1 };

  it('starts a job once', () => {
    assert.deepEqual(given(jobDecider, []).when(start), E.right([started]));
    assert.deepEqual(given(jobDecider, [started]).when(start), E.left({ _tag: 'JobAlreadyStarted', job: JOB }));
  });

  it('ends a running job as completed, failed or interrupted', () => {
    assert.deepEqual(given(jobDecider, [started]).when({ type: 'CompleteJob', job: JOB, totals }), E.right([{ type: 'JobCompleted', data: { job: JOB, ...totals } }]));
    assert.deepEqual(
      given(jobDecider, [started]).when({ type: 'FailJob', job: JOB, reason: 'ENOSPC', totals: NO_TOTALS }),
      E.right([{ type: 'JobFailed', data: { job: JOB, reason: 'ENOSPC', ...NO_TOTALS } }]),
    );
    assert.deepEqual(
      given(jobDecider, [started]).when({ type: 'InterruptJob', job: JOB, reason: 'crash', detectedAt: '2026-11-26T10:00:00.000Z' }),
      E.right([{ type: 'JobInterrupted', data: { job: JOB, reason: 'crash', detectedAt: '2026-11-26T10:00:00.000Z' } }]),
    );
  });

  it('ends a job exactly once', () => {
    const completed: DomainEvent = { type: 'JobCompleted', data: { job: JOB, ...totals } };
    assert.deepEqual(
      given(jobDecider, [started, completed]).when({ type: 'FailJob', job: JOB, reason: 'late', totals }),
      E.left({ _tag: 'JobNotRunning', job: JOB, status: 'SUCCESS' }),
    );
    assert.deepEqual(given(jobDecider, []).when({ type: 'CompleteJob', job: JOB, totals }), E.left({ _tag: 'JobNotRunning', job: JOB, status: 'NONE' }));
  });
});
