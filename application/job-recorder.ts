import * as E from 'fp-ts/Either';
import { jobStream, type DomainEvent } from '../domain/events';
import type { JobId } from '../domain/ids';
import { jobDecider, type JobCommand, type JobState } from '../domain/job/job';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { envelopesFor, recordForTape, recordLocally, type Recorded } from './recording';
import type { TapeSession } from './tape-session';

/**
 * A job's stream while the job runs in this process: decides each command against the
 * job's current state, records the events (tape journal first, unless the job is local
 * only), and keeps the state and version for the next command.
 */
export class JobRecorder {
  private state: JobState = jobDecider.initialState;
  private version = 0;

  constructor(
    private readonly app: App,
    readonly tape: TapeId,
    readonly job: JobId,
    private readonly session: TapeSession | undefined,
    private readonly localOnly = false,
  ) {}

  get current(): JobState {
    return this.state;
  }

  record(command: JobCommand, meta: Readonly<Record<string, unknown>> = {}): E.Either<AppError, Recorded> {
    const decided = jobDecider.decide(command, this.state);
    if (E.isLeft(decided)) return decided;
    if (decided.right.length === 0) return E.right({ stored: [], pending: false });
    const envelopes = envelopesFor(this.app, jobStream(this.job), this.version, decided.right, meta);
    const recorded = this.localOnly
      ? recordLocally(this.app, this.tape, envelopes)
      : recordForTape(this.app, this.tape, this.session, envelopes);
    if (E.isRight(recorded)) this.advance(decided.right);
    return recorded;
  }

  private advance(events: readonly DomainEvent[]): void {
    this.state = events.reduce(jobDecider.evolve, this.state);
    this.version += events.length;
  }
}
