import * as E from 'fp-ts/Either';
import type { StopRequest } from '../../infrastructure/stop-signals';
import type { AppError } from '../errors';
import { JobRecorder } from '../job-recorder';
import type { ScanTable } from '../../projections/ports/scan-table';
import type { Part, PartPlace } from './parts';

/** The end of a backup job: its deletions (unless its first part recorded them) and its end event. */

export interface WriteOutcome {
  readonly parts: readonly PartPlace[];
  /** The part the job ended in (its end event is still to be recorded). */
  readonly last: Part;
  readonly filesDone: number;
  readonly bytesDone: number;
  /** Over every part: segment bytes on tape, and closed segments. */
  readonly bytesWritten: number;
  readonly segments: number;
  readonly warnings: { path: string; reason: string }[];
  readonly notArchived: number;
  /** Whether the job's deletions are recorded already (a spanning job records them in its first part). */
  readonly deletionsRecorded: boolean;
  /** Why the job stopped (tape full, write error), when it did. */
  readonly failure: string | undefined;
  /** A refusal to report once the job has ended (the next tape of a span would not do). */
  readonly error?: AppError;
  /** A stop asked for from outside (a signal): the job ends INTERRUPTED, what it closed kept. */
  readonly stopped?: StopRequest;
}

export const refusalReason = (e: AppError): string =>
  e._tag === 'SpanTapeRefused' ? `tape ${e.tape} cannot take the next part of this job: ${e.reason}` : `the next tape cannot be used (${e._tag})`;

/** Paths gone since the baseline, in pages: an incremental after a big clean-up may declare a million paths gone. */
export const recordDeletions = async (recorder: JobRecorder, scan: ScanTable): Promise<E.Either<AppError, void>> => {
  const job = recorder.job;
  const page: string[] = [];
  const flush = async (): Promise<E.Either<AppError, unknown>> =>
    page.length === 0 ? E.right(undefined) : recorder.record({ type: 'RecordDeletions', job, paths: page.splice(0) });
  for (const path of scan.gone()) {
    page.push(path);
    if (page.length >= 10_000) {
      const recorded = await flush();
      if (E.isLeft(recorded)) return recorded;
    }
  }
  return E.map(() => undefined)(await flush());
};

export const finishJob = async (outcome: WriteOutcome, scan: ScanTable, now: string): Promise<E.Either<AppError, void>> => {
  const part = outcome.last;
  const recorder = part.recorder;
  const job = recorder.job;
  // Deletions are not recorded: a job stopped part-way has not written everything the scan found.
  if (outcome.stopped !== undefined) return E.map(() => undefined)(await recorder.record({ type: 'InterruptJob', job, reason: outcome.stopped.reason, detectedAt: now }));
  if (outcome.failure === undefined && !outcome.deletionsRecorded) {
    const recorded = await recordDeletions(recorder, scan);
    if (E.isLeft(recorded)) return recorded;
  }
  const totals = { ...part.totals };
  const ended =
    outcome.failure === undefined
      ? await recorder.record({ type: 'CompleteJob', job, totals })
      : await recorder.record({ type: 'FailJob', job, reason: outcome.failure, totals });
  return E.map(() => undefined)(ended);
};
