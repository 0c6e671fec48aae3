import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { handle } from '../../application/handle';
import { JobRecorder } from '../../application/job-recorder';
import { jobStream } from '../../domain/events';
import { JobId } from '../../domain/ids';
import { labelDecider } from '../../domain/label/label';
import { Colour, LabelName, labelStream } from '../../domain/label/label-name';
import { TapeId } from '../../domain/tape-id';
import { testApp, type TestApp } from '../support/app';
import { decodeOrThrow } from '../support/events';

const LABEL = decodeOrThrow(LabelName, 'offsite');
const STREAM = labelStream(LABEL);
const TAPE = decodeOrThrow(TapeId, '000012L5');
const JOB = decodeOrThrow(JobId, '01900000-0000-7000-8000-000000000002');

/** What an await between a read and a write lets happen, and what still holds. */
describe('commands that overlap across an await', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await testApp();
  });
  afterEach(() => t.close());

  it('two commands decided on the same loaded stream: one is recorded, the other is a VersionConflict', async () => {
    const decide = (color: string) =>
      handle(t.app, labelDecider, STREAM, { type: 'CreateLabel', label: LABEL, color: decodeOrThrow(Colour, color) }, { to: 'store' });
    // Both start before either records: each loads the stream empty, then appends version 1.
    const results = await Promise.all([decide('#808080'), decide('#ff0000')]);
    const conflicts = results.filter((r) => E.isLeft(r) && r.left._tag === 'VersionConflict');
    assert.equal(results.filter(E.isRight).length, 1, 'one is recorded');
    assert.equal(conflicts.length, 1, 'the other is refused');
    assert.equal((await t.app.store.readStream(STREAM)).length, 1, 'nothing recorded twice');
  });

  it('a job\'s commands given without waiting are recorded one after the other, in order', async () => {
    const recorder = new JobRecorder(t.app, TAPE, JOB, undefined, true);
    const started = recorder.record({ type: 'StartJob', job: JOB, tape: TAPE, jobType: 'BACKUP', encrypted: false, host: 'test-host' });
    const warned = recorder.record({ type: 'RecordWarnings', job: JOB, warnings: [{ path: '/a', reason: 'gone' }] });
    const ended = recorder.record({ type: 'CompleteJob', job: JOB, totals: { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 1 } });
    const all = await Promise.all([started, warned, ended]);
    assert.ok(all.every(E.isRight), JSON.stringify(all));
    assert.deepEqual(
      (await t.app.store.readStream(jobStream(JOB))).map((e) => [e.version, e.type]),
      [
        [1, 'JobStarted'],
        [2, 'JobWarned'],
        [3, 'JobCompleted'],
      ],
    );
  });
});
