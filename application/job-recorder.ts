import * as E from 'fp-ts/Either';
import { jobStream, type DomainEvent } from '../domain/events';
import type { JobId } from '../domain/ids';
import { jobDecider, type JobCommand, type JobState } from '../domain/job/job';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { envelopesFor, recordForTape, recordLocally, recordPending, type Recorded } from './recording';
import type { TapeSession } from './tape-session';

/**
 * A job's stream while the job runs in this process: decides each command against the
 * job's current state, records the events (tape journal first, unless the job is local
 * only), and keeps the state and version for the next command.
 *
 * A read-only job (restore, verify) writes nothing else to the tape: with `appendAtEnd`
 * its events wait in the local store (pending) and reach the journal in one append at
 * its end, instead of one at its start and one at its end, each a locate to the end of
 * data on a real drive. A crash in between leaves its start pending: the next contact
 * writes it and closes the job INTERRUPTED, as for any job cut off.
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
    private readonly appendAtEnd = false,
  ) {}

  get current(): JobState {
    return this.state;
  }

  record(command: JobCommand, meta: Readonly<Record<string, unknown>> = {}): E.Either<AppError, Recorded> {
    const ending = command.type === 'CompleteJob' || command.type === 'FailJob' || command.type === 'InterruptJob';
    const decided = this.decideAndRecord(ending ? this.withIndexGeneration(command) : command, meta);
    const recorded = ending && E.isRight(decided) ? E.right(this.writeHeldEvents(decided.right)) : decided;
    // The end event itself is durable only after the next index write: ask for it now.
    if (ending && E.isRight(recorded) && !recorded.right.pending && !this.localOnly && this.session !== undefined) {
      this.app.crashPoint('job-ended');
      this.session.syncIndex();
    }
    return recorded;
  }

  /**
   * On an LTFS mount, a job's end asks for an index write first (segments and journal so
   * far become durable) and records the generation reached in the end event (an
   * interruption, stopped by a signal, has no field for it).
   */
  private withIndexGeneration(command: Extract<JobCommand, { type: 'CompleteJob' | 'FailJob' | 'InterruptJob' }>): JobCommand {
    if (this.localOnly || this.session === undefined) return command;
    const generation = this.session.syncIndex();
    return generation === undefined || command.type === 'InterruptJob' ? command : { ...command, ltfsIndexGeneration: generation };
  }

  /** At a held job's end: its events (and any other pending of the tape) go to the journal in one append. */
  private writeHeldEvents(recorded: Recorded): Recorded {
    if (!this.holdsEvents() || this.session === undefined) return recorded;
    const flushed = this.session.flushPending();
    return { ...recorded, pending: flushed.stillPending > 0 };
  }

  private holdsEvents(): boolean {
    return this.appendAtEnd && !this.localOnly && this.session !== undefined;
  }

  private decideAndRecord(command: JobCommand, meta: Readonly<Record<string, unknown>>): E.Either<AppError, Recorded> {
    const decided = jobDecider.decide(command, this.state);
    if (E.isLeft(decided)) return decided;
    if (decided.right.length === 0) return E.right({ stored: [], pending: false });
    const envelopes = envelopesFor(this.app, jobStream(this.job), this.version, decided.right, meta);
    const recorded = this.localOnly
      ? recordLocally(this.app, this.tape, envelopes)
      : this.holdsEvents()
        ? recordPending(this.app, this.tape, envelopes)
        : recordForTape(this.app, this.tape, this.session, envelopes);
    if (E.isRight(recorded)) this.advance(decided.right);
    return recorded;
  }

  private advance(events: readonly DomainEvent[]): void {
    this.state = events.reduce(jobDecider.evolve, this.state);
    this.version += events.length;
  }
}
