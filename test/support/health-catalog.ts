import * as assert from 'node:assert/strict';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { changeTapeLabel, createLabel } from '../../application/tags';
import { envelopesFor } from '../../application/recording';
import type { DomainEvent, JobTotals } from '../../domain/events';
import { JobId } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';
import type { TestApp } from './app';
import { decodeOrThrow, uuid7 } from './events';

const TOTALS: JobTotals = { files: 10, bytesRead: 1000, bytesWritten: 1000, warnings: 0 };
let jobNumber = 500;

/** One finished job of a tape, as the events a real job appends (optionally a closed segment of `bytes`). */
export const finishedJob = async (t: TestApp, tapeInput: string, type: 'BACKUP' | 'VERIFY', ok: boolean, bytes = 0): Promise<void> => {
  const tape = decodeOrThrow(TapeId, tapeInput);
  const job = decodeOrThrow(JobId, uuid7(jobNumber++, '01a00000'));
  const events: DomainEvent[] = [{ type: 'JobStarted', data: { job, tape, type, encrypted: false } }];
  if (bytes > 0) events.push({ type: 'SegmentClosed', data: { job, segment: 1, bytes, sha256: '0'.repeat(64), entries: 1 } });
  events.push(ok ? { type: 'JobCompleted', data: { job, ...TOTALS } } : { type: 'JobFailed', data: { job, reason: 'drive error', ...TOTALS } });
  assert.ok(E.isRight(await t.app.store.append(envelopesFor(t.app, `job-${job}`, 0, events), { tape, state: 'local' })));
};

/**
 * Four tapes, one per kind of health: 000001L8 good (backed up, verified), 000002L5
 * 96.7% full (critical), 000003L8 whose last verify failed (critical), 000004L8 with
 * 3 of 4 backups ok and never verified (warning). Labels on two of them.
 */
export const buildHealthCatalog = async (t: TestApp): Promise<void> => {
  for (const [barcode, description] of [['000001L8', 'Photos 2019'], ['000002L5', 'Footage'], ['000003L8', 'Research <data> & "notes"'], ['000004L8', 'Company records']] as const) {
    assert.ok(E.isRight(await addTape(t.app, { barcode, mount: t.mountPoint(barcode), description, generation: undefined })));
  }
  await finishedJob(t, '000001L8', 'BACKUP', true, 4e12);
  await finishedJob(t, '000001L8', 'VERIFY', true);
  await finishedJob(t, '000002L5', 'BACKUP', true, 1.45e12);
  await finishedJob(t, '000002L5', 'VERIFY', true);
  await finishedJob(t, '000003L8', 'BACKUP', true, 1e12);
  await finishedJob(t, '000003L8', 'VERIFY', true);
  await finishedJob(t, '000003L8', 'VERIFY', false);
  await finishedJob(t, '000004L8', 'BACKUP', true, 1e11);
  await finishedJob(t, '000004L8', 'BACKUP', false);
  await finishedJob(t, '000004L8', 'BACKUP', true, 1e11);
  await finishedJob(t, '000004L8', 'BACKUP', true, 1e11);
  assert.ok(E.isRight(await createLabel(t.app, 'archive', '#ff8800')));
  assert.ok(E.isRight(await createLabel(t.app, 'offsite', '#6f42c1')));
  assert.ok(E.isRight(await changeTapeLabel(t.app, 'assign', '000001L8', 'archive', undefined)));
  assert.ok(E.isRight(await changeTapeLabel(t.app, 'assign', '000001L8', 'offsite', undefined)));
  assert.ok(E.isRight(await changeTapeLabel(t.app, 'assign', '000002L5', 'archive', undefined)));
};
