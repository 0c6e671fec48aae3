import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { closeInterruptedJobs } from '../../application/interrupted-jobs';
import { envelopesFor, recordForTape } from '../../application/recording';
import { openTapeSession } from '../../application/tape-session';
import { jobStream } from '../../domain/events';
import { JobId } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import { journalLines } from '../support/cli';
import { testApp } from '../support/app';

const TAPE = TapeId.decode('000031L8');

describe('jobs left running by a crash', () => {
  it('are closed INTERRUPTED at the next start, and the end reaches the tape at the next contact', async () => {
    const t = await testApp();
    try {
      assert.ok(E.isRight(TAPE));
      const tape = TAPE.right;
      const mount = t.mountPoint('tape');
      assert.ok(E.isRight(await addTape(t.app, { barcode: tape, mount, description: '', generation: undefined })));
      const session = await openTapeSession(t.app, tape, mount);
      assert.ok(E.isRight(session));
      const job = JobId.decode(newUuidV7());
      assert.ok(E.isRight(job));
      // A backup that started in a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max default).
      const started = envelopesFor(
        t.app,
        jobStream(job.right),
        0,
        [{ type: 'JobStarted', data: { job: job.right, tape, type: 'BACKUP', encrypted: false, mode: 'FULL', host: 'test-host' } }],
        { pid: 4_194_305 },
      );
      assert.ok(E.isRight(await recordForTape(t.app, tape, session.right, started)));
      assert.equal((await t.app.catalog.jobs({ status: 'RUNNING' })).length, 1);

      const closed = await closeInterruptedJobs(t.app, () => false);
      assert.deepEqual(closed, E.right(1));
      const job1 = (await t.app.catalog.jobs()).find((j) => j.id === job.right);
      assert.equal(job1?.status, 'INTERRUPTED');
      assert.equal((await t.app.store.pendingFor(tape)).length, 1, 'the end waits for the tape');

      assert.ok(E.isRight(await openTapeSession(t.app, tape, mount)));
      assert.equal(JSON.parse(journalLines(mount).at(-1)!).event.type, 'JobInterrupted');
      assert.equal((await t.app.store.pendingFor(tape)).length, 0);
    } finally {
      t.close();
    }
  });

  it('are left alone while their process is alive, or when another host runs them', async () => {
    const t = await testApp();
    try {
      assert.ok(E.isRight(TAPE));
      const tape = TAPE.right;
      const job = JobId.decode(newUuidV7());
      assert.ok(E.isRight(job));
      const start = (host: string) =>
        envelopesFor(t.app, jobStream(job.right), 0, [{ type: 'JobStarted', data: { job: job.right, tape, type: 'BACKUP', encrypted: false } }], {
          pid: 4_194_305,
          host,
        });
      assert.ok(E.isRight(await recordForTape(t.app, tape, undefined, start('other-host'))));
      assert.deepEqual(await closeInterruptedJobs(t.app, () => false), E.right(0));
      assert.deepEqual(await closeInterruptedJobs(t.app, () => true), E.right(0));
      assert.equal((await t.app.catalog.jobs({ status: 'RUNNING' })).length, 1);
    } finally {
      t.close();
    }
  });
});
