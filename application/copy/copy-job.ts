import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import type { ArchivedEntry, JobTotals } from '../../domain/events';
import { JobId } from '../../domain/ids';
import type { TapeId } from '../../domain/tape-id';
import { copySegment, removeEmptyFolder } from '../../infrastructure/copy/segment-copy';
import { protectClosedSegment } from '../../infrastructure/segment/protect-segment';
import { segmentPath } from '../../infrastructure/tape/layout';
import type { SegmentKeys } from '../../infrastructure/restore/segment-source';
import type { StopRequest } from '../../infrastructure/stop-signals';
import { hearSignals } from '../../infrastructure/stop-signals';
import type { ExpectedFile, SegmentCheck } from '../../infrastructure/verify/segment-check';
import type { App } from '../app';
import type { AppError } from '../errors';
import { mintId } from '../mint-id';
import { JobRecorder } from '../job-recorder';
import type { Names } from '../entry-names';
import type { TapeSession } from '../tape-session';
import type { SourceJob, SourceSegment } from './source-job';

/** How one backup job's copy ended; `copy` is the COPY job on the destination. */
export interface CopiedJob {
  readonly original: string;
  readonly copy: string;
  readonly status: 'SUCCESS' | 'FAILED' | 'INTERRUPTED';
  readonly segments: number;
  readonly files: number;
  readonly bytes: number;
  readonly reason: string | null;
  /** Files of the source that are not as recorded (what failed the copy), by their readable path. */
  readonly damaged: readonly { readonly path: string; readonly reason: string }[];
}

/** Where a source segment is read from: on the source tape, or its verified copy in the staging folder. */
export type SegmentPlace = (job: string, segment: number) => string;

/** What a job's copy may already know went wrong before it started (a staged segment that did not check out). */
export interface EarlierFailure {
  readonly reason: string;
  readonly damaged: CopiedJob['damaged'];
}

export interface CopyJobContext {
  readonly app: App;
  readonly from: TapeId;
  readonly to: TapeSession;
  readonly names: Names;
  /** An encrypted source's keys: its segments' chunk tags and keyed file hashes are checked on the way. */
  readonly keys?: SegmentKeys;
  readonly stop?: () => StopRequest | undefined;
  readonly onBytes: (bytes: number) => void;
}

/** The catalogued files of a segment whose hash a copy checks: not sparse ones (the segment's hash covers them), not second names. */
export const expectedFiles = (entries: readonly ArchivedEntry[]): ExpectedFile[] =>
  entries
    .flatMap((e) =>
      e.kind !== 'file' || e.offset === undefined || e.sha256 === undefined || e.sparse !== undefined || e.link !== undefined
        ? []
        : [{ path: e.path, offset: e.offset, size: e.size, hash: e.sha256 }],
    )
    .sort((a, b) => a.offset - b.offset);

/** Files counted as a backup counts them: a piece of a file split across tapes only in the part holding its first byte. */
const countedFiles = (entries: readonly ArchivedEntry[]): number =>
  entries.filter((e) => e.kind === 'file' && (e.extent === undefined || e.extent.offset === 0)).length;

/** Why a check failed, in one line, naming the files it found damaged. */
export const describeDamage = (segment: number, original: string, from: TapeId, check: SegmentCheck, names: Names): EarlierFailure => {
  const damaged = check.damaged.map((d) => ({ path: names.open(d.file.path), reason: `${d.status}: ${d.reason}` }));
  const listed = damaged.slice(0, 5).map((d) => d.path).join(', ');
  const files = damaged.length === 0 ? check.problems.join('; ') : `${damaged.length} file(s) do not match their recorded hash: ${listed}${damaged.length > 5 ? ', ...' : ''}`;
  return { reason: `segment ${segment} of job ${original} on ${from} is damaged: ${files}`, damaged };
};

/**
 * One backup job copied as a COPY job of the destination tape: started (naming its
 * original), each segment copied and checked, then closed with the very entries the
 * original recorded, its deletions, and its end. A segment that does not check out fails
 * the job there; a stop asked for ends it INTERRUPTED. Either way the copy is not counted.
 */
export const copyJob = async (
  context: CopyJobContext,
  source: SourceJob,
  place: SegmentPlace,
  earlier: EarlierFailure | undefined,
): Promise<E.Either<AppError, CopiedJob>> => {
  const { app, to } = context;
  const s = source.started;
  const job = mintId(JobId, app.newId());
  const recorder = new JobRecorder(app, to.tape, job, to);
  const started = await recorder.record(
    {
      type: 'StartJob', job, tape: to.tape, jobType: 'COPY', encrypted: s.encrypted, host: app.host, copyOf: source.origin,
      ...(s.mode === undefined ? {} : { mode: s.mode }),
      ...(s.sources === undefined ? {} : { sources: s.sources }),
      ...(s.excludes === undefined ? {} : { excludes: s.excludes }),
      ...(s.segmentTargetBytes === undefined ? {} : { segmentTargetBytes: s.segmentTargetBytes }),
    },
    { pid: app.pid },
  );
  if (E.isLeft(started)) return started;
  const totals: JobTotals = { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 };
  const result = (status: CopiedJob['status'], failure?: EarlierFailure): CopiedJob => ({
    original: s.job, copy: job, status, segments: recorder.current.status === 'NONE' ? 0 : recorder.current.segments,
    files: totals.files, bytes: totals.bytesWritten, reason: failure?.reason ?? null, damaged: failure?.damaged ?? [],
  });
  const fail = async (failure: EarlierFailure): Promise<E.Either<AppError, CopiedJob>> => {
    // A copy that failed before its first segment leaves no empty folder on the tape.
    if (recorder.current.status === 'RUNNING' && recorder.current.segments === 0) removeEmptyFolder(path.dirname(segmentPath(to.mount, job, 1)));
    if (failure.damaged.length > 0) {
      const warned = await recorder.record({ type: 'RecordWarnings', job, warnings: failure.damaged.map((d) => ({ path: context.names.path(d.path), reason: context.names.text(context.names.path(d.path), d.reason) })) });
      if (E.isLeft(warned)) return warned;
    }
    const failed = await recorder.record({ type: 'FailJob', job, reason: context.names.sealed ? 'source segment damaged' : failure.reason, totals: { ...totals, warnings: failure.damaged.length } });
    return E.map(() => result('FAILED', failure))(failed);
  };
  if (earlier !== undefined) return fail(earlier);
  for (const segment of source.segments) {
    const stopped = context.stop?.();
    if (stopped !== undefined) {
      const interrupted = await recorder.record({ type: 'InterruptJob', job, reason: stopped.reason, detectedAt: app.clock().toISOString() });
      return E.map(() => result('INTERRUPTED'))(interrupted);
    }
    const failure = copyOne(context, source, segment, place, job);
    if (failure !== undefined) return fail(failure);
    const c = segment.closed;
    const recorded = await recorder.record({ type: 'CloseSegment', job, segment: c.segment, bytes: c.bytes, sha256: c.sha256, plainBytes: c.plainBytes, chunkBytes: c.chunkBytes, entries: segment.entries });
    if (E.isLeft(recorded)) return recorded;
    app.crashPoint('after-segment-recorded');
    totals.files += countedFiles(segment.entries);
    totals.bytesRead += segment.closed.bytes;
    totals.bytesWritten += segment.closed.bytes;
    await hearSignals();
  }
  if (source.deletions.length > 0) {
    const deleted = await recorder.record({ type: 'RecordDeletions', job, paths: source.deletions });
    if (E.isLeft(deleted)) return deleted;
  }
  const completed = await recorder.record({ type: 'CompleteJob', job, totals });
  return E.map(() => result('SUCCESS'))(completed);
};

/** One segment copied, checked and on the destination (fsynced, protected); what went wrong otherwise. */
const copyOne = (context: CopyJobContext, source: SourceJob, segment: SourceSegment, place: SegmentPlace, job: JobId): EarlierFailure | undefined => {
  const c = segment.closed;
  const expected = { path: place(source.started.job, c.segment), bytes: c.bytes, sha256: c.sha256, files: expectedFiles(segment.entries) };
  let seen = 0;
  const copied = copySegment(expected, segmentPath(context.to.mount, job, c.segment), context.keys, (n) => {
    context.onBytes(n - seen);
    seen = n;
  });
  if (copied._tag === 'Damaged') return describeDamage(c.segment, source.started.job, context.from, copied.check, context.names);
  if (copied._tag === 'WriteFailed') return { reason: `writing ${copied.path} failed (${copied.failure.code}${copied.failure.full ? ': the tape is full' : ''})`, damaged: [] };
  protectClosedSegment(context.to.mount, job, c.segment);
  context.app.crashPoint('segment-closed');
  return undefined;
};
