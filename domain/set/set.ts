import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { DomainEvent, EventOfType } from '../events';
import type { SetName } from './set-name';

/** A tape set's definition: stream `set-<NAME>`. */
export type SetEvent = EventOfType<'SetCreated'>;

/** What a set asks of its tapes; known from its own stream or, recovered, from a tape that joined it. */
export interface SetPolicy {
  readonly set: SetName;
  readonly copies: number;
  readonly description: string;
}

export type SetState = { readonly status: 'NONE' } | ({ readonly status: 'DEFINED' } & SetPolicy);

export type SetCommand = { readonly type: 'CreateSet' } & SetPolicy;

/** Creating a set again with the same policy changes nothing; with another one it is refused. */
const decide = (command: SetCommand, state: SetState): E.Either<DomainError, readonly SetEvent[]> => {
  switch (command.type) {
    case 'CreateSet':
      if (state.status === 'DEFINED') {
        return state.copies === command.copies && (command.description === '' || command.description === state.description)
          ? E.right([])
          : E.left({ _tag: 'SetExists', set: command.set, copies: state.copies });
      }
      return E.right([{ type: 'SetCreated', data: { set: command.set, copies: command.copies, description: command.description } }]);
    default: {
      const unhandled: never = command.type;
      return unhandled;
    }
  }
};

const evolve = (state: SetState, event: DomainEvent): SetState => {
  switch (event.type) {
    case 'SetCreated':
      return { status: 'DEFINED', set: event.data.set, copies: event.data.copies, description: event.data.description };
    default:
      return state;
  }
};

export const setDecider: Decider<SetCommand, DomainEvent, SetState, DomainError> = {
  decide,
  evolve,
  initialState: { status: 'NONE' },
};
