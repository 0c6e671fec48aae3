import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/Either';
import { decideOn, handle, loadStream, recordDecisions } from '../../application/handle';
import { jobStream } from '../../domain/events';
import { JobId } from '../../domain/ids';
import { jobDecider } from '../../domain/job/job';
import { labelDecider } from '../../domain/label/label';
import { Colour, LabelName, labelStream } from '../../domain/label/label-name';
import { TapeId } from '../../domain/tape-id';
import { testApp, type TestApp } from '../support/app';
import { decodeOrThrow, makeEnvelope } from '../support/events';

const LABEL = decodeOrThrow(LabelName, 'offsite');
const STREAM = labelStream(LABEL);
const TAPE = decodeOrThrow(TapeId, '000012L5');
const JOB = decodeOrThrow(JobId, '01900000-0000-7000-8000-000000000001');
const GREY = decodeOrThrow(Colour, '#808080');
const RED = decodeOrThrow(Colour, '#ff0000');

describe('the command handler', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await testApp();
  });
  afterEach(() => t.close());

  /** Rewrites a stored event as a damaged catalog (or a newer version) would hold it. */
  const corrupt = (stream: string, version: number, set: { data?: unknown; schema?: number }): void => {
    const db = new Database(path.join(t.root, 'catalog.db'));
    try {
      if (set.data !== undefined) db.prepare('UPDATE events SET data = ? WHERE stream = ? AND version = ?').run(JSON.stringify(set.data), stream, version);
      if (set.schema !== undefined) db.prepare('UPDATE events SET schema = ? WHERE stream = ? AND version = ?').run(set.schema, stream, version);
    } finally {
      db.close();
    }
  };
  const create = (color: Colour) => handle(t.app, labelDecider, STREAM, { type: 'CreateLabel', label: LABEL, color }, { to: 'store' });

  it('records a decision at the stream’s next version and returns the state it leads to', async () => {
    const created = await create(GREY);
    assert.ok(E.isRight(created));
    assert.equal(created.right.version, 1);
    assert.deepEqual(created.right.state, { status: 'DEFINED', label: LABEL, color: GREY });
    const deleted = await handle(t.app, labelDecider, STREAM, { type: 'DeleteLabel', label: LABEL, carriedBy: [] }, { to: 'store' });
    assert.ok(E.isRight(deleted));
    assert.deepEqual(
      (await t.app.store.readStream(STREAM)).map((e) => [e.version, e.type, e.meta?.['host']]),
      [[1, 'LabelCreated', 'test-host'], [2, 'LabelDeleted', 'test-host']],
    );
  });

  it('records nothing when the decision has no events', async () => {
    assert.ok(E.isRight(await create(GREY)));
    const again = await create(GREY);
    assert.ok(E.isRight(again));
    assert.deepEqual(again.right.events, []);
    assert.deepEqual(again.right.stored, []);
    assert.equal((await t.app.store.readStream(STREAM)).length, 1);
  });

  it('returns the decider’s refusal and records nothing', async () => {
    const refused = await handle(t.app, labelDecider, STREAM, { type: 'DeleteLabel', label: LABEL, carriedBy: [] }, { to: 'store' });
    assert.deepEqual(refused, E.left({ _tag: 'LabelNotFound', label: LABEL }));
    assert.equal((await t.app.store.readStream(STREAM)).length, 0);
  });

  it('refuses a stream changed since it was loaded (version conflict) and records nothing', async () => {
    const loaded = await loadStream(t.app, labelDecider, STREAM);
    assert.ok(E.isRight(loaded));
    assert.ok(E.isRight(await create(GREY)));
    const stale = await handle(t.app, labelDecider, loaded.right, { type: 'CreateLabel', label: LABEL, color: RED }, { to: 'store' });
    assert.ok(E.isLeft(stale));
    assert.equal(stale.left._tag, 'VersionConflict');
    assert.deepEqual(
      (await t.app.store.readStream(STREAM)).map((e) => e.data),
      [{ label: LABEL, color: GREY }],
    );
  });

  it('refuses an event whose data does not decode, naming its stream, version and type', async () => {
    assert.ok(E.isRight(await create(GREY)));
    corrupt(STREAM, 1, { data: { label: LABEL, color: 42 } });
    const refused = await handle(t.app, labelDecider, STREAM, { type: 'DeleteLabel', label: LABEL, carriedBy: [] }, { to: 'store' });
    assert.ok(E.isLeft(refused));
    assert.equal(refused.left._tag, 'UndecodableEvent');
    assert.ok(refused.left._tag === 'UndecodableEvent');
    assert.deepEqual([refused.left.stream, refused.left.version, refused.left.type, refused.left.problem._tag], [STREAM, 1, 'LabelCreated', 'InvalidEventData']);
    assert.equal((await t.app.store.readStream(STREAM)).length, 1, 'nothing recorded');
  });

  it('refuses an event of a schema newer than it reads', async () => {
    assert.ok(E.isRight(await create(GREY)));
    corrupt(STREAM, 1, { schema: 2 });
    const refused = await loadStream(t.app, labelDecider, STREAM);
    assert.ok(E.isLeft(refused));
    assert.deepEqual(refused.left, { _tag: 'UndecodableEvent', stream: STREAM, version: 1, type: 'LabelCreated', problem: { _tag: 'UnsupportedSchema', type: 'LabelCreated', schema: 2 } });
  });

  it('passes over an event of a type a newer version wrote, and continues the stream after it', async () => {
    assert.ok(E.isRight(await create(GREY)));
    const newer = makeEnvelope(2, { stream: STREAM, version: 2, type: 'LabelRenamed', data: { label: LABEL, to: 'elsewhere' } });
    assert.ok(E.isRight(await t.app.store.append([newer])));
    const deleted = await handle(t.app, labelDecider, STREAM, { type: 'DeleteLabel', label: LABEL, carriedBy: [] }, { to: 'store' });
    assert.ok(E.isRight(deleted));
    assert.equal(deleted.right.version, 3);
    assert.deepEqual((await t.app.store.readStream(STREAM)).map((e) => e.type), ['LabelCreated', 'LabelRenamed', 'LabelDeleted']);
  });

  it('records decisions of several streams in one append, in their order and placement', async () => {
    const job = await loadStream(t.app, jobDecider, jobStream(JOB));
    assert.ok(E.isRight(job));
    const started = decideOn(t.app, jobDecider, job.right, { type: 'StartJob', job: JOB, tape: TAPE, jobType: 'BROWSE', encrypted: false });
    assert.ok(E.isRight(started));
    const completed = decideOn(t.app, jobDecider, started.right, { type: 'CompleteJob', job: JOB, totals: { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 } });
    assert.ok(E.isRight(completed));
    assert.equal(completed.right.state.status, 'SUCCESS');
    const recorded = await recordDecisions(t.app, [{ ...started.right, meta: { pid: 7 } }, completed.right], { to: 'local', tape: TAPE });
    assert.ok(E.isRight(recorded));
    assert.deepEqual(
      recorded.right.stored.map((e) => [e.version, e.type, e.meta?.['pid']]),
      [[1, 'JobStarted', 7], [2, 'JobCompleted', undefined]],
    );
    assert.equal(recorded.right.stored[1]!.position, recorded.right.stored[0]!.position + 1);
    assert.deepEqual((await t.app.store.tapeEvents(TAPE)).map((e) => e.state), ['local', 'local']);
  });
});
