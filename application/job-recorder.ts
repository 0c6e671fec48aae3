import * as E from 'fp-ts/Either';
import { jobStream } from '../domain/events';
import type { JobId } from '../domain/ids';
import { jobDecider, type JobCommand, type JobState } from '../domain/job/job';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { handle, type StreamState } from './handle';
import type { Placement, Recorded } from './recording';
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
  /** The job's stream as this process recorded it: a new job's, so nothing to load. */
  private stream: StreamState<JobState>;

  constructor(
    private readonly app: App,
    readonly tape: TapeId,
    readonly job: JobId,
    private readonly session: TapeSession | undefined,
    private readonly localOnly = false,
    private readonly appendAtEnd = false,
  ) {
    this.stream = { stream: jobStream(job), state: jobDecider.initialState, version: 0 };
  }

  get current(): JobState {
    return this.stream.state;
  }

  /**
   * Decides and records one command. Commands are recorded one at a time, in the order
   * they are given, even when a caller does not wait for the last one: each is decided on
   * the state the one before left (two decided on the same state would conflict).
   */
  record(command: JobCommand, meta: Readonly<Record<string, unknown>> = {}): Promise<E.Either<AppError, Recorded>> {
    const next = this.queue.then(() => this.recordNow(command, meta));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async recordNow(command: JobCommand, meta: Readonly<Record<string, unknown>>): Promise<E.Either<AppError, Recorded>> {
    const ending = command.type === 'CompleteJob' || command.type === 'FailJob' || command.type === 'InterruptJob';
    const decided = await this.decideAndRecord(ending ? await this.withIndexGeneration(command) : command, meta);
    const recorded = ending && E.isRight(decided) ? E.right(await this.writeHeldEvents(decided.right)) : decided;
    // The end event itself is durable only after the next index write: ask for it now.
    if (ending && E.isRight(recorded) && !recorded.right.pending && !this.localOnly && this.session !== undefined) {
      this.app.crashPoint('job-ended');
      await this.session.syncIndex();
    }
    return recorded;
  }

  /**
   * On an LTFS mount, a job's end asks for an index write first (segments and journal so
   * far become durable) and records the generation reached in the end event (an
   * interruption, stopped by a signal, has no field for it).
   */
  private async withIndexGeneration(command: Extract<JobCommand, { type: 'CompleteJob' | 'FailJob' | 'InterruptJob' }>): Promise<JobCommand> {
    if (this.localOnly || this.session === undefined) return command;
    const generation = await this.session.syncIndex();
    return generation === undefined || command.type === 'InterruptJob' ? command : { ...command, ltfsIndexGeneration: generation };
  }

  /** At a held job's end: its events (and any other pending of the tape) go to the journal in one append. */
  private async writeHeldEvents(recorded: Recorded): Promise<Recorded> {
    if (!this.holdsEvents() || this.session === undefined) return recorded;
    const flushed = await this.session.flushPending();
    return { ...recorded, pending: flushed.stillPending > 0 };
  }

  private holdsEvents(): boolean {
    return this.appendAtEnd && !this.localOnly && this.session !== undefined;
  }

  private async decideAndRecord(command: JobCommand, meta: Readonly<Record<string, unknown>>): Promise<E.Either<AppError, Recorded>> {
    const handled = await handle(this.app, jobDecider, this.stream, command, this.placement(), meta);
    if (E.isRight(handled)) this.stream = { stream: handled.right.stream, state: handled.right.state, version: handled.right.version };
    return handled;
  }

  /** Local only, held pending until the job's end, or the tape's journal first. */
  private placement(): Placement {
    if (this.localOnly) return { to: 'local', tape: this.tape };
    return this.holdsEvents() ? { to: 'pending', tape: this.tape } : { to: 'journal', tape: this.tape, session: this.session };
  }
}
