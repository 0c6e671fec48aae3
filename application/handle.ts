import * as E from 'fp-ts/Either';
import type { Decider } from '../domain/decider';
import type { EventEnvelope, StoredEvent } from '../domain/envelope';
import { decodeDomainEvent, type DomainEvent, type EventDecodeProblem } from '../domain/events';
import type { App } from './app';
import type { AppError } from './errors';
import { envelopesFor, record, type Placement, type Recorded } from './recording';

/**
 * The command handler: every change goes load → fold → decide → envelope → record here
 * (DESIGN §1, "The decider pattern").
 *
 *     handle(app, tapeDecider, tapeStream(tape), { type: 'DescribeTape', ... }, { to: 'journal', tape, session })
 *
 * - load: the stream's events from the local store, folded by the decider's `evolve`. An
 *   event this version cannot decode refuses the command (`UndecodableEvent`, naming its
 *   stream, version and type): a state folded without it could decide wrong. An event of a
 *   type this version does not know (a newer version wrote it) is passed over, as
 *   docs/FORMAT.md asks of a reader: it cannot change a state this version defines.
 * - decide: the decider's typed refusal is returned as it is.
 * - envelope: ids, the stream's next versions, the time of the decision, host and tool.
 * - record: by placement (recording.ts): the tape's journal first, then the local store,
 *   or the store alone. The store checks the versions (optimistic concurrency): a stream
 *   changed since it was loaded is a `VersionConflict`, and nothing is recorded.
 *
 * A decision with no events records nothing (and touches no tape). Several decisions that
 * must reach the journal in one append (a job and its tape together) are recorded with
 * `recordDecisions` (salvage's stand-ins, imported among a journal's records, take
 * `envelopesOf`); a caller that keeps a stream's state between commands (a running job)
 * passes that `StreamState` instead of the stream's name.
 */

/** An event of the stream that this version cannot read: a damaged catalog, or a newer schema. */
export interface UndecodableEvent {
  readonly _tag: 'UndecodableEvent';
  readonly stream: string;
  readonly version: number;
  readonly type: string;
  readonly problem: EventDecodeProblem;
}

/** A stream folded up to `version` (0: no event yet). */
export interface StreamState<State> {
  readonly stream: string;
  readonly state: State;
  readonly version: number;
}

/** New events decided on a stream, and the stream's state and version once they are recorded. */
export interface Decision<State> extends StreamState<State> {
  readonly events: readonly DomainEvent[];
  /** When it was decided (the events' `at`). */
  readonly at: string;
  /** Extra envelope meta (a job's start records the pid that runs it). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

export interface Handled<State> extends Decision<State> {
  readonly stored: Recorded['stored'];
  /** True when the events wait in the local store for the tape's next writable contact. */
  readonly pending: boolean;
}

type Evolving<State> = Pick<Decider<unknown, DomainEvent, State, unknown>, 'evolve' | 'initialState'>;

/** Folds stored events; refuses the first one that does not decode (unknown types are passed over). */
export const foldStream = <State>(decider: Evolving<State>, stream: string, stored: readonly StoredEvent[]): E.Either<UndecodableEvent, StreamState<State>> => {
  let state = decider.initialState;
  for (const event of stored) {
    const decoded = decodeDomainEvent(event.type, event.schema, event.data);
    if (E.isRight(decoded)) state = decider.evolve(state, decoded.right);
    else if (decoded.left._tag !== 'UnknownEventType') {
      return E.left({ _tag: 'UndecodableEvent', stream, version: event.version, type: event.type, problem: decoded.left });
    }
  }
  return E.right({ stream, state, version: stored.at(-1)?.version ?? 0 });
};

/** A stream's state now, from the local store. */
export const loadStream = async <State>(app: App, decider: Evolving<State>, stream: string): Promise<E.Either<UndecodableEvent, StreamState<State>>> =>
  foldStream(decider, stream, await app.store.readStream(stream));

/** Decides a command on a loaded stream (or on a decision not recorded yet, to go on from it). */
export const decideOn = <Command, State, Err>(
  app: App,
  decider: Decider<Command, DomainEvent, State, Err>,
  from: StreamState<State>,
  command: Command,
): E.Either<Err, Decision<State>> =>
  E.map((events: readonly DomainEvent[]) => ({
    stream: from.stream,
    events,
    state: events.reduce(decider.evolve, from.state),
    version: from.version + events.length,
    // Only a decision that records something reads the clock (a test clock ticks per read).
    at: events.length === 0 ? '' : app.clock().toISOString(),
  }))(decider.decide(command, from.state));

/** The envelopes of decisions, in their order: each event at its stream's next version. */
export const envelopesOf = (app: App, decisions: readonly Decision<unknown>[]): EventEnvelope[] =>
  decisions.flatMap((d) => envelopesFor(app, d.stream, d.version - d.events.length, d.events, d.meta, d.at));

/** Records decisions in one append, in their order. */
export const recordDecisions = async (app: App, decisions: readonly Decision<unknown>[], placement: Placement): Promise<E.Either<AppError, Recorded>> => {
  const envelopes = envelopesOf(app, decisions);
  return envelopes.length === 0 ? E.right({ stored: [], pending: false }) : record(app, envelopes, placement);
};

/**
 * The command handler: one command on one stream, recorded by placement. Loading and
 * recording are awaited apart: another process may append to the stream in between, and
 * the store's version check (`VersionConflict`) refuses the decision then.
 */
export const handle = async <Command, State, Err>(
  app: App,
  decider: Decider<Command, DomainEvent, State, Err>,
  stream: string | StreamState<State>,
  command: Command,
  placement: Placement,
  meta?: Readonly<Record<string, unknown>>,
): Promise<E.Either<Err | AppError, Handled<State>>> => {
  const loaded = typeof stream === 'string' ? await loadStream(app, decider, stream) : E.right(stream);
  if (E.isLeft(loaded)) return loaded;
  const decided = decideOn(app, decider, loaded.right, command);
  if (E.isLeft(decided)) return decided;
  const decision = meta === undefined ? decided.right : { ...decided.right, meta };
  return E.map((recorded: Recorded) => ({ ...decision, ...recorded }))(await recordDecisions(app, [decision], placement));
};
