import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { BackupMode, DomainEvent, EventOfType, JobTotals, JobType } from '../events';
import type { IsoTime, JobId } from '../ids';
import type { TapeId } from '../tape-id';

export type JobEvent = EventOfType<'JobStarted' | 'JobCompleted' | 'JobFailed' | 'JobInterrupted'>;

export type JobStatus = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'INTERRUPTED';

export type JobState =
  | { readonly status: 'NONE' }
  | { readonly status: JobStatus; readonly job: JobId; readonly tape: TapeId; readonly type: JobType };

export type JobCommand =
  | {
      readonly type: 'StartJob';
      readonly job: JobId;
      readonly tape: TapeId;
      readonly jobType: JobType;
      readonly mode?: BackupMode;
      readonly encrypted: boolean;
      readonly host?: string;
    }
  | { readonly type: 'CompleteJob'; readonly job: JobId; readonly totals: JobTotals }
  | { readonly type: 'FailJob'; readonly job: JobId; readonly reason: string; readonly totals: JobTotals }
  | { readonly type: 'InterruptJob'; readonly job: JobId; readonly reason: string; readonly detectedAt: IsoTime };

export const NO_TOTALS: JobTotals = { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 };

const start = (command: Extract<JobCommand, { type: 'StartJob' }>, state: JobState): E.Either<DomainError, JobEvent[]> => {
  if (state.status !== 'NONE') return E.left({ _tag: 'JobAlreadyStarted', job: command.job });
  const optional = {
    ...(command.mode === undefined ? {} : { mode: command.mode }),
    ...(command.host === undefined ? {} : { host: command.host }),
  };
  return E.right([
    {
      type: 'JobStarted',
      data: { job: command.job, tape: command.tape, type: command.jobType, encrypted: command.encrypted, ...optional },
    },
  ]);
};

/** Ending a job that is not running is an error: a job ends exactly once. */
const end = (command: Exclude<JobCommand, { type: 'StartJob' }>, state: JobState): E.Either<DomainError, JobEvent[]> => {
  if (state.status !== 'RUNNING') return E.left({ _tag: 'JobNotRunning', job: command.job, status: state.status });
  switch (command.type) {
    case 'CompleteJob':
      return E.right([{ type: 'JobCompleted', data: { job: command.job, ...command.totals } }]);
    case 'FailJob':
      return E.right([{ type: 'JobFailed', data: { job: command.job, reason: command.reason, ...command.totals } }]);
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

const decide = (command: JobCommand, state: JobState): E.Either<DomainError, readonly JobEvent[]> =>
  command.type === 'StartJob' ? start(command, state) : end(command, state);

const ended = (state: JobState, status: JobStatus): JobState => (state.status === 'NONE' ? state : { ...state, status });

const evolve = (state: JobState, event: DomainEvent): JobState => {
  switch (event.type) {
    case 'JobStarted':
      return { status: 'RUNNING', job: event.data.job, tape: event.data.tape, type: event.data.type };
    case 'JobCompleted':
      return ended(state, 'SUCCESS');
    case 'JobFailed':
      return ended(state, 'FAILED');
    case 'JobInterrupted':
      return ended(state, 'INTERRUPTED');
    default:
      return state;
  }
};

export const jobDecider: Decider<JobCommand, DomainEvent, JobState, DomainError> = {
  decide,
  evolve,
  initialState: { status: 'NONE' },
};
