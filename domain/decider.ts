import type * as E from 'fp-ts/Either';

/**
 * An aggregate as three pure functions (the decider pattern): the state is the
 * fold of `evolve` over the stream's events from `initialState`; `decide` turns a
 * command into new events or a typed domain error, never a throw.
 */
export interface Decider<Command, Event, State, Error> {
  readonly decide: (command: Command, state: State) => E.Either<Error, readonly Event[]>;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
}

export const foldEvents = <Event, State>(
  decider: Pick<Decider<unknown, Event, State, unknown>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State => events.reduce(decider.evolve, decider.initialState);
