import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import { JobId } from '../../domain/ids';
import type { TapeId } from '../../domain/tape-id';
import type { App } from '../app';
import type { AppError } from '../errors';
import { mintId } from '../mint-id';
import { estimateTarBytes, type BackupPlan } from './plan';
import type { PlannedEntry, ScanTable } from '../../projections/ports/scan-table';
import { openNextPart, refuseNextTape, type JobContext, type Part, type PartPlace, type SpanTapes } from './parts';
import { recordDeletions, refusalReason, type WriteOutcome } from './finish-job';
import { addEntry, pieceThatFits, SPLIT_MIN_BYTES, type Added, type Piece } from './add-entry';
import type { BackupProgress } from './run-backup';
import type { StopRequest } from '../../infrastructure/stop-signals';
import { HardLinks } from './hard-links';
import { OpenSegment } from './open-segment';
import { WriteTally } from './write-tally';
import { InFlight } from '../../infrastructure/threads/in-flight';

/** A segment also closes after this many entries: bounds the memory held until its events are written. */
export const MAX_SEGMENT_ENTRIES = 50_000;
/** Entries handed to the segment writer before the first of them is placed. */
const IN_FLIGHT = 64;

/** Pass 2: the changed entries into segments, closing one past the size target; with a span, on to the next tape when one is full. */
export const writeSegments = async (
  app: App,
  first: Part,
  scan: ScanTable,
  plan: BackupPlan,
  context: JobContext,
  progress: Subject<BackupProgress> | undefined,
): Promise<E.Either<AppError, WriteOutcome>> => {
  let part = first;
  const parts: PartPlace[] = [{ tape: first.tape, job: first.recorder.job }];
  // What the scan could not stat or list is not on the tape either (a special file skipped by design is only a warning).
  const tally = new WriteTally(scan.lost());
  let deletionsRecorded = false;
  const totalEntries = plan.new.entries + plan.modified.entries;
  const totalBytes = plan.new.bytes + plan.modified.bytes;
  // Hard links are found within one part: a link names a first copy on the same tape.
  let links = new HardLinks();
  // Bytes of a large file count as its chunks are read, so a 400 MB file moves the bar while it is written.
  const report = (): void => progress?.next({ phase: 'write', entries: tally.entriesDone, bytes: tally.bytesDone + segment.largeFileBytes, totalEntries, totalBytes });
  const segment = new OpenSegment(app, report);

  // The scan's catalogued paths are those of the first tape; a later (encrypted) tape seals them its own way.
  const asCatalogued = (path: string): string => (part === first ? path : part.names.path(first.names.open(path)));
  const warn = (path: string, reason: string): void => {
    part.warnings.push({ path, reason: part.names.text(path, reason) });
    part.pending++;
    tally.warnings.push({ path: part.names.open(path), reason });
  };
  for (const w of scan.warnings()) {
    part.warnings.push(w);
    part.pending++;
    tally.warnings.push({ path: first.names.open(w.path), reason: first.names.openText(w.path, w.reason) });
  }

  const flushWarnings = async (): Promise<E.Either<AppError, void>> => {
    if (part.pending === 0) return E.right(undefined);
    const batch = part.warnings.slice(part.warnings.length - part.pending);
    part.pending = 0;
    return E.map(() => undefined)(await part.recorder.record({ type: 'RecordWarnings', job: part.recorder.job, warnings: batch }));
  };

  /** The open segment closed and recorded, then the warnings met meanwhile. */
  const closeSegment = async (): Promise<E.Either<AppError, string | undefined>> => {
    const closed = await segment.close(part, tally);
    if (E.isLeft(closed) || closed.right !== undefined) return closed;
    const flushed = await flushWarnings();
    return E.isLeft(flushed) ? flushed : E.right(undefined);
  };

  const outcome = (failure: string | undefined): WriteOutcome => {
    part.totals.warnings = part.warnings.length;
    const { filesDone, bytesDone, bytesWritten, segments, warnings, notArchived } = tally;
    return { parts, last: part, filesDone, bytesDone, bytesWritten, segments, warnings, notArchived, deletionsRecorded, failure };
  };

  const fail = async (reason: string): Promise<E.Either<AppError, WriteOutcome>> => {
    await segment.abort();
    const flushed = await flushWarnings();
    if (E.isLeft(flushed)) return flushed;
    return E.right(outcome(reason));
  };

  let inFlightBytes = 0;
  // Adds stay in flight up to IN_FLIGHT: the writer reads many small files at once and
  // places each as it is ready (its offset is recorded), so the disk never waits on us.
  const inFlight = new InFlight();
  let issuedBytes = 0;
  let fatal: string | undefined;
  const settle = (entry: PlannedEntry, added: Added, last: boolean): void => {
    if (added._tag === 'fatal') {
      fatal ??= added.reason;
      return;
    }
    if (added._tag === 'warning') {
      tally.notArchived += 1;
      warn(entry.path, added.reason);
    } else {
      segment.archived(added.entry);
      app.crashPoint('entry-written');
      if (added.changed) warn(entry.path, 'changed while it was read: the archived copy may be inconsistent');
      if (added.metadataProblem !== undefined) warn(entry.path, `archived without its extended attributes: ${added.metadataProblem}`);
      if (entry.kind === 'file') tally.fileArchived(part, added.entry);
    }
    if (last) tally.entriesDone += 1;
    report();
  };
  const drain = (): Promise<void> => inFlight.all();
  const issue = (entry: PlannedEntry, estimate: number, piece: Piece | undefined): void => {
    const opened = segment.current;
    if (opened === undefined) return;
    // Counted as issued, not as placed: adds in flight have not moved the writer's position yet.
    issuedBytes += estimate;
    inFlightBytes += estimate;
    const last = piece === undefined || piece.from + piece.length === entry.size;
    const task: Promise<void> = addEntry(opened, { ...entry, path: asCatalogued(entry.path) }, part.names, piece, links).then((added) => {
      inFlightBytes -= estimate;
      settle(entry, added, last);
    });
    inFlight.add(task);
  };
  /** What is placed is kept: the open segment is closed (it fits) and its events recorded, then the job fails. */
  const stopBeforeReserve = async (reason: string): Promise<E.Either<AppError, WriteOutcome>> => {
    await drain();
    if (fatal !== undefined) return fail(fatal);
    const closed = await closeSegment();
    if (E.isLeft(closed)) return closed;
    return fail(closed.right ?? reason);
  };
  /**
   * The end of the writing: the entries in flight are placed, the open segment closed and
   * recorded, the warnings written. On a stop asked for (a signal) the same, so everything
   * written is kept; the job then ends INTERRUPTED (finishJob). A large file being read is
   * read to its end first.
   */
  const finish = async (stop?: StopRequest): Promise<E.Either<AppError, WriteOutcome>> => {
    await drain();
    if (fatal !== undefined) return fail(fatal);
    const closed = await closeSegment();
    if (E.isLeft(closed)) return closed;
    if (closed.right !== undefined) return fail(closed.right);
    const flushed = await flushWarnings();
    if (E.isLeft(flushed)) return flushed;
    return E.right(stop === undefined ? outcome(undefined) : { ...outcome(undefined), stopped: stop });
  };
  /**
   * The tape is full and the job spans: this part ends (its segment closed and recorded,
   * its end naming the next part), and the next part starts on the next tape. Returns why
   * it cannot go on, if it cannot.
   */
  /**
   * Which tape the job goes on to, asked while the full one is still mounted (so its
   * part's end can name it); a tape that may not take the next part is refused here,
   * before anything more is written.
   */
  const nextTape = async (span: SpanTapes): Promise<E.Either<AppError, TapeId | undefined>> => {
    const next = await span.nextTape(part.tape, part.number + 1);
    if (E.isLeft(next) || next.right === undefined) return next;
    const refused = await refuseNextTape(app, next.right, parts, first);
    return refused === undefined ? next : E.left(refused);
  };
  /**
   * The tape is full and the job goes on: this part ends (its segment closed and
   * recorded, its end naming the next part), and the next part starts on `next`.
   * Returns why it cannot go on, if it cannot.
   */
  const continueOn = async (span: SpanTapes, next: TapeId): Promise<E.Either<AppError, string | undefined>> => {
    const closed = await closeSegment();
    if (E.isLeft(closed)) return closed;
    if (closed.right !== undefined) return E.right(closed.right);
    if (!deletionsRecorded) {
      // Deletions belong with the tape that holds the job's baseline: the first part.
      const recorded = await recordDeletions(part.recorder, scan);
      if (E.isLeft(recorded)) return recorded;
      deletionsRecorded = true;
    }
    const nextJob = mintId(JobId, app.newId());
    part.totals.warnings = part.warnings.length;
    const ended = await part.recorder.record({ type: 'CompleteJob', job: part.recorder.job, totals: { ...part.totals }, next: { tape: next, job: nextJob } });
    if (E.isLeft(ended)) return ended;
    part.release();
    const opened = await openNextPart(app, context, span, next, nextJob, part.number + 1, parts);
    if (E.isLeft(opened)) return opened;
    part = opened.right;
    links = new HardLinks();
    parts.push({ tape: part.tape, job: part.recorder.job });
    issuedBytes = 0;
    return E.right(undefined);
  };

  for (const entry of scan.toWrite()) {
    const stop = context.stop?.();
    if (stop !== undefined) return finish(stop);
    let from = 0;
    for (;;) {
      const remaining = entry.kind === 'file' ? entry.size - from : 0;
      const estimate = estimateTarBytes(remaining);
      const unwritten = segment.unwritten + inFlightBytes;
      const full = part.guard.check(estimate, unwritten);
      if (full === undefined) {
        const opened = segment.openIn(part);
        if (E.isLeft(opened)) return fail(opened.left);
        issue(entry, estimate, from === 0 ? undefined : { from, length: remaining });
        break;
      }
      const span = context.span;
      if (span === undefined) return stopBeforeReserve(full);
      await drain();
      if (fatal !== undefined) return fail(fatal);
      const next = await nextTape(span);
      if (E.isLeft(next)) {
        // The job ends FAILED on this tape (its closed segments kept), then the refusal is reported.
        const failed = await stopBeforeReserve(`${full}; ${refusalReason(next.left)}`);
        return E.isLeft(failed) ? failed : E.right({ ...failed.right, error: next.left });
      }
      if (next.right === undefined) return stopBeforeReserve(`${full}; no next tape to continue on (give one --mount per tape, or run on a terminal to be asked)`);
      // As much of a large file as fits stays on this tape, as a piece.
      const fits = pieceThatFits(part.guard.left(segment.unwritten));
      if (entry.kind === 'file' && fits >= SPLIT_MIN_BYTES && fits < remaining && part.guard.check(estimateTarBytes(fits), 0) === undefined) {
        const opened = segment.openIn(part);
        if (E.isLeft(opened)) return fail(opened.left);
        issue(entry, estimateTarBytes(fits), { from, length: fits });
        await drain();
        if (fatal !== undefined) return fail(fatal);
        from += fits;
      }
      const went = await continueOn(span, next.right);
      if (E.isLeft(went)) return went;
      if (went.right !== undefined) return fail(went.right);
    }
    if (inFlight.size >= IN_FLIGHT) await inFlight.any();
    if (fatal !== undefined) {
      await drain();
      return fail(fatal);
    }
    if (issuedBytes >= context.segmentTargetBytes || segment.placed + inFlight.size >= MAX_SEGMENT_ENTRIES) {
      issuedBytes = 0;
      await drain();
      if (fatal !== undefined) return fail(fatal);
      const closed = await closeSegment();
      if (E.isLeft(closed)) return closed;
      if (closed.right !== undefined) return fail(closed.right);
    }
  }
  return finish();
};
