import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { ArchivedEntry, BackupMode, CopyOrigin, DomainEvent, EventOfType, JobSpan, JobTotals, JobType, SpanPart } from '../events';
import type { IsoTime, JobId } from '../ids';
import type { TapeId } from '../tape-id';
import { featuresOfEntries } from '../format-features';

export type JobEvent = EventOfType<
  | 'JobStarted'
  | 'JobCompleted'
  | 'JobFailed'
  | 'JobInterrupted'
  | 'SegmentClosed'
  | 'FilesArchived'
  | 'SegmentsLost'
  | 'FilesDeleted'
  | 'JobWarned'
>;

export type JobStatus = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'INTERRUPTED';

export type JobState =
  | { readonly status: 'NONE' }
  | {
      readonly status: JobStatus;
      readonly job: JobId;
      readonly tape: TapeId;
      readonly type: JobType;
      /** Segments closed so far (the next one is numbered `segments + 1`). */
      readonly segments: number;
    };

export type JobCommand =
  | {
      readonly type: 'StartJob';
      readonly job: JobId;
      readonly tape: TapeId;
      readonly jobType: JobType;
      readonly mode?: BackupMode;
      readonly encrypted: boolean;
      readonly host?: string;
      readonly sources?: readonly string[];
      readonly excludes?: readonly string[];
      readonly segmentTargetBytes?: number;
      readonly target?: string;
      readonly asOfJob?: JobId;
      readonly span?: JobSpan;
      readonly copyOf?: CopyOrigin;
    }
  | {
      readonly type: 'CompleteJob';
      readonly job: JobId;
      readonly totals: JobTotals;
      readonly ltfsIndexGeneration?: number;
      /** A span part whose tape is full: where the job goes on. */
      readonly next?: SpanPart;
    }
  | { readonly type: 'FailJob'; readonly job: JobId; readonly reason: string; readonly totals: JobTotals; readonly ltfsIndexGeneration?: number }
  | { readonly type: 'InterruptJob'; readonly job: JobId; readonly reason: string; readonly detectedAt: IsoTime }
  | {
      readonly type: 'CloseSegment';
      readonly job: JobId;
      readonly segment: number;
      readonly bytes: number;
      readonly sha256: string;
      /** Encrypted segments: the tar size inside and the chunk size. */
      readonly plainBytes?: number;
      readonly chunkBytes?: number;
      readonly entries: readonly ArchivedEntry[];
    }
  | { readonly type: 'RecordDeletions'; readonly job: JobId; readonly paths: readonly string[] }
  /** Closed segments found gone from the tape (an LTFS index rollback): recorded whatever the job's status. */
  | { readonly type: 'RecordLostSegments'; readonly job: JobId; readonly segments: readonly number[]; readonly reason: string; readonly detectedAt: IsoTime }
  | { readonly type: 'RecordWarnings'; readonly job: JobId; readonly warnings: readonly { readonly path: string; readonly reason: string }[] }
  | SalvageCommand;

/**
 * `lto recover --salvage`: one damaged journal record of the job gets one local event in
 * its place, whatever the job's status then (it may have ended after the record): the
 * entries of a closed segment found again in its tar headers, or a note that it was lost.
 */
export type SalvageCommand =
  | { readonly type: 'RecordSalvagedEntries'; readonly job: JobId; readonly segment: number; readonly entries: readonly ArchivedEntry[] }
  | { readonly type: 'NoteLostRecord'; readonly job: JobId; readonly version: number };

/** Entries per FilesArchived event (and paths per FilesDeleted): big enough to keep the journal compact, small enough to stream. */
export const ENTRIES_PER_EVENT = 2000;

/** `features` only when some are used: a segment that uses none is what it was before flags existed. */
const withFeatures = (features: readonly string[]): { features?: string[] } => (features.length === 0 ? {} : { features: [...features] });

const chunk = <A>(items: readonly A[], size: number): A[][] => {
  const out: A[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export const NO_TOTALS: JobTotals = { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 };

const start = (command: Extract<JobCommand, { type: 'StartJob' }>, state: JobState): E.Either<DomainError, JobEvent[]> => {
  if (state.status !== 'NONE') return E.left({ _tag: 'JobAlreadyStarted', job: command.job });
  const c = command;
  const optional = {
    ...(c.mode === undefined ? {} : { mode: c.mode }),
    ...(c.host === undefined ? {} : { host: c.host }),
    ...(c.sources === undefined ? {} : { sources: [...c.sources] }),
    ...(c.excludes === undefined ? {} : { excludes: [...c.excludes] }),
    ...(c.segmentTargetBytes === undefined ? {} : { segmentTargetBytes: c.segmentTargetBytes }),
    ...(c.target === undefined ? {} : { target: c.target }),
    ...(c.asOfJob === undefined ? {} : { asOfJob: c.asOfJob }),
    ...(c.span === undefined ? {} : { span: { id: c.span.id, part: c.span.part, previous: c.span.previous.map((p) => ({ ...p })) } }),
    ...(c.copyOf === undefined ? {} : { copyOf: { job: c.copyOf.job, tape: c.copyOf.tape } }),
  };
  return E.right([{ type: 'JobStarted', data: { job: c.job, tape: c.tape, type: c.jobType, encrypted: c.encrypted, ...optional } }]);
};

type EndCommand = Extract<JobCommand, { type: 'CompleteJob' | 'FailJob' | 'InterruptJob' }>;
type RecordCommand = Extract<JobCommand, { type: 'CloseSegment' | 'RecordDeletions' | 'RecordWarnings' }>;

/** What a running job found along the way; only a running job records anything. */
const record = (command: RecordCommand, state: JobState): E.Either<DomainError, JobEvent[]> => {
  if (state.status !== 'RUNNING') return E.left({ _tag: 'JobNotRunning', job: command.job, status: state.status });
  const job = command.job;
  switch (command.type) {
    case 'CloseSegment':
      if (command.segment !== state.segments + 1) {
        return E.left({ _tag: 'SegmentOutOfOrder', job, expected: state.segments + 1, got: command.segment });
      }
      return E.right([
        { type: 'SegmentClosed', data: {
          job,
          segment: command.segment,
          bytes: command.bytes,
          sha256: command.sha256,
          entries: command.entries.length,
          ...(command.plainBytes === undefined ? {} : { plainBytes: command.plainBytes }),
          ...(command.chunkBytes === undefined ? {} : { chunkBytes: command.chunkBytes }),
          // Named before the entries that use them, so a reader meets the flag first.
          ...withFeatures(featuresOfEntries(command.entries)),
        },
      },
        ...chunk(command.entries, ENTRIES_PER_EVENT).map(
          (entries): JobEvent => ({ type: 'FilesArchived', data: { job, segment: command.segment, entries } }),
        ),
      ]);
    case 'RecordDeletions':
      return E.right(chunk(command.paths, ENTRIES_PER_EVENT).map((paths): JobEvent => ({ type: 'FilesDeleted', data: { job, paths } })));
    case 'RecordWarnings':
      return E.right(
        chunk(command.warnings, ENTRIES_PER_EVENT).map((warnings): JobEvent => ({ type: 'JobWarned', data: { job, warnings } })),
      );
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

/** The optional LTFS index generation of an end event: absent, not undefined, when not known. */
const indexGeneration = (command: { readonly ltfsIndexGeneration?: number }): { ltfsIndexGeneration?: number } =>
  command.ltfsIndexGeneration === undefined ? {} : { ltfsIndexGeneration: command.ltfsIndexGeneration };

/** Ending a job that is not running is an error: a job ends exactly once. */
const end = (command: EndCommand, state: JobState): E.Either<DomainError, JobEvent[]> => {
  if (state.status !== 'RUNNING') return E.left({ _tag: 'JobNotRunning', job: command.job, status: state.status });
  switch (command.type) {
    case 'CompleteJob':
      return E.right([
        {
          type: 'JobCompleted',
          data: { job: command.job, ...command.totals, ...indexGeneration(command), ...(command.next === undefined ? {} : { next: { ...command.next } }) },
        },
      ]);
    case 'FailJob':
      return E.right([{ type: 'JobFailed', data: { job: command.job, reason: command.reason, ...command.totals, ...indexGeneration(command) } }]);
    case 'InterruptJob':
      return E.right([
        { type: 'JobInterrupted', data: { job: command.job, reason: command.reason, detectedAt: command.detectedAt } },
      ]);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

/** Only segments the job closed can be lost; each is named once, in order. */
const loseSegments = (
  command: Extract<JobCommand, { type: 'RecordLostSegments' }>,
  state: JobState,
): E.Either<DomainError, JobEvent[]> => {
  if (state.status === 'NONE') return E.left({ _tag: 'JobNotRunning', job: command.job, status: state.status });
  const segments = [...new Set(command.segments)].sort((a, b) => a - b);
  const unknown = segments.find((n) => n < 1 || n > state.segments);
  if (unknown !== undefined) return E.left({ _tag: 'SegmentNotClosed', job: command.job, segment: unknown, closed: state.segments });
  if (segments.length === 0) return E.right([]);
  return E.right([{ type: 'SegmentsLost', data: { job: command.job, segments, reason: command.reason, detectedAt: command.detectedAt } }]);
};

/** One event per damaged record: FilesArchived of a closed segment (never split), or a JobWarned. */
const salvage = (command: SalvageCommand, state: JobState): E.Either<DomainError, JobEvent[]> => {
  if (state.status === 'NONE') return E.left({ _tag: 'JobNotRunning', job: command.job, status: state.status });
  switch (command.type) {
    case 'RecordSalvagedEntries':
      if (command.segment < 1 || command.segment > state.segments) {
        return E.left({ _tag: 'SegmentNotClosed', job: command.job, segment: command.segment, closed: state.segments });
      }
      return E.right([{ type: 'FilesArchived', data: { job: command.job, segment: command.segment, entries: [...command.entries] } }]);
    case 'NoteLostRecord':
      return E.right([
        {
          type: 'JobWarned',
          data: { job: command.job, warnings: [{ path: '', reason: `journal event ${command.version} of this job was damaged and skipped by salvage` }] },
        },
      ]);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

const decide = (command: JobCommand, state: JobState): E.Either<DomainError, readonly JobEvent[]> => {
  switch (command.type) {
    case 'StartJob':
      return start(command, state);
    case 'RecordSalvagedEntries':
    case 'NoteLostRecord':
      return salvage(command, state);
    case 'RecordLostSegments':
      return loseSegments(command, state);
    case 'CompleteJob':
    case 'FailJob':
    case 'InterruptJob':
      return end(command, state);
    default:
      return record(command, state);
  }
};

const ended = (state: JobState, status: JobStatus): JobState => (state.status === 'NONE' ? state : { ...state, status });

const evolve = (state: JobState, event: DomainEvent): JobState => {
  switch (event.type) {
    case 'JobStarted':
      return { status: 'RUNNING', job: event.data.job, tape: event.data.tape, type: event.data.type, segments: 0 };
    case 'SegmentClosed':
      return state.status === 'NONE' ? state : { ...state, segments: event.data.segment };
    case 'JobCompleted':
      return ended(state, 'SUCCESS');
    case 'JobFailed':
      return ended(state, 'FAILED');
    case 'JobInterrupted':
      return ended(state, 'INTERRUPTED');
    case 'SegmentsLost':
      // A success whose data is partly gone is a failure; other statuses say enough already.
      return state.status === 'SUCCESS' ? ended(state, 'FAILED') : state;
    default:
      return state;
  }
};

export const jobDecider: Decider<JobCommand, DomainEvent, JobState, DomainError> = {
  decide,
  evolve,
  initialState: { status: 'NONE' },
};
