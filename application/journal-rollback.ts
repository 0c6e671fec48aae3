import * as E from 'fp-ts/Either';
import type { StoredEvent } from '../domain/envelope';
import { decodeDomainEvent, jobStream, type DomainEvent } from '../domain/events';
import type { JobId } from '../domain/ids';
import { jobDecider } from '../domain/job/job';
import type { TapeId } from '../domain/tape-id';
import type { JournalRecord } from '../infrastructure/journal';
import type { App } from './app';
import type { AppError } from './errors';
import { handle } from './handle';

/** Bytes of a closed segment on the tape now, undefined when it is not there. */
export type SegmentSize = (job: JobId, segment: number) => number | undefined;

/** What a contact found and repaired after a rollback. */
export interface RollbackRepair {
  /** Closed segments no longer on the tape, by job. */
  readonly lostSegments: readonly { readonly job: JobId; readonly segments: readonly number[] }[];
}

/**
 * After a power loss LTFS mounts the volume as its last index left it: the journal may end
 * before records the catalog holds as written, and segments closed since may be gone or cut
 * short (FORMAT.md "When the journal is behind the catalog"). The tape stays the truth for
 * what it holds, the catalog for what it lost: the lost events become pending again, before
 * the journal is imported, so that the contact's flush writes them anew after the journal's
 * real end. Returns how many were lost (0: the journal and the catalog agree).
 */
export const unwriteLostEvents = async (app: App, tape: TapeId, records: readonly JournalRecord[], journalSeq: number): Promise<number> => {
  const catalogSeq = await app.store.lastSeq(tape);
  const parted = await firstOtherRecord(app, tape, records);
  if (parted === undefined && journalSeq >= catalogSeq) return 0;
  const from = parted ?? journalSeq + 1;
  const lost = await app.store.markUnwritten(tape, from);
  app.notice(
    parted === undefined
      ? `the journal of ${tape} ends at record ${journalSeq} but the catalog had it up to record ${catalogSeq}: ` +
          `LTFS rolled the tape back to an earlier index (a power loss?); writing the ${lost} lost event(s) again`
      : `the journal of ${tape} holds other events than the catalog from record ${parted} on: LTFS rolled the tape back ` +
          `to an earlier index (a power loss?) and it was written since; writing the catalog's ${lost} lost event(s) again after them`,
  );
  return lost;
};

/**
 * The first record at whose seq the catalog holds another event: the tape was rolled back
 * and written since (another catalog, a recovery). A seq the catalog holds nothing at is
 * no disagreement: an event written twice keeps its first seq.
 */
const firstOtherRecord = async (app: App, tape: TapeId, records: readonly JournalRecord[]): Promise<number | undefined> => {
  const first = records[0];
  if (first === undefined) return undefined;
  const held = new Map((await app.store.writtenIdsFrom(tape, first.seq)).map((w) => [w.seq, w.id]));
  return records.find((r) => {
    const id = held.get(r.seq);
    return id !== undefined && id !== r.event.id;
  })?.seq;
};

/**
 * After the lost events are pending again and the journal is imported: each closed segment
 * among them that is no longer whole on the tape is recorded lost (its files stop counting
 * as on this tape, and the next incremental writes them again). Nothing is deleted from the
 * catalog.
 */
export const recordLostSegments = async (app: App, tape: TapeId, sizeOnTape: SegmentSize): Promise<E.Either<AppError, RollbackRepair>> => {
  const lostSegments = await segmentsNotOnTape(app, tape, sizeOnTape);
  for (const { job, segments, reason } of lostSegments) {
    const recorded = await recordLost(app, tape, job, segments, reason);
    if (E.isLeft(recorded)) return recorded;
    app.notice(`job ${job} on ${tape}: segment(s) ${segments.join(', ')} ${reason}; their files count as not on this tape (the next backup writes them again)`);
  }
  return E.right({ lostSegments });
};

/**
 * Closed segments whose events wait to be written (the ones the rollback took, or any
 * other pending) and whose file is missing or not the size it was closed at. A segment
 * whose event is still in the journal was closed before that record, so before the index
 * that holds it: the rollback cannot have taken it.
 */
const segmentsNotOnTape = async (app: App, tape: TapeId, sizeOnTape: SegmentSize): Promise<{ job: JobId; segments: number[]; reason: string }[]> => {
  const byJob = new Map<JobId, { segments: number[]; reasons: Set<string> }>();
  for (const stored of await app.store.pendingFor(tape)) {
    const event = decoded(stored);
    if (event?.type !== 'SegmentClosed') continue;
    const problem = segmentProblem(sizeOnTape(event.data.job, event.data.segment), event.data.bytes);
    if (problem === undefined) continue;
    const entry = byJob.get(event.data.job) ?? { segments: [], reasons: new Set<string>() };
    entry.segments.push(event.data.segment);
    entry.reasons.add(problem);
    byJob.set(event.data.job, entry);
  }
  return [...byJob].map(([job, { segments, reasons }]) => ({
    job,
    segments,
    reason: `${[...reasons].join(', ')} after an LTFS index rollback`,
  }));
};

const segmentProblem = (size: number | undefined, bytes: number): string | undefined => {
  if (size === undefined) return 'missing from the tape';
  return size === bytes ? undefined : 'cut short on the tape';
};

const decoded = (stored: StoredEvent): DomainEvent | undefined => {
  const event = decodeDomainEvent(stored.type, stored.schema, stored.data);
  return E.isRight(event) ? event.right : undefined;
};

/** SegmentsLost on the job's stream, pending for the tape: the contact's flush writes it after the lost events. */
const recordLost = async (app: App, tape: TapeId, job: JobId, segments: readonly number[], reason: string): Promise<E.Either<AppError, void>> => {
  const command = { type: 'RecordLostSegments', job, segments, reason, detectedAt: app.clock().toISOString() } as const;
  return E.map(() => undefined)(await handle(app, jobDecider, jobStream(job), command, { to: 'pending', tape }));
};
