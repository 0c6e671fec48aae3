import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { DomainEvent, EventOfType } from '../events';
import type { TapeId } from '../tape-id';
import type { SetPolicy } from './set';
import { DEFAULT_LOCATION, type SetName } from './set-name';

/** A tape's set and location: folded from the tape's stream (`tape-<TAPEID>`). */
export type TapePlaceEvent = EventOfType<'TapeJoinedSet' | 'TapeMoved'>;

export interface TapePlaceState {
  readonly initialised: boolean;
  readonly set: SetName | undefined;
  readonly location: string;
}

export type TapePlaceCommand =
  /** `policy`: the set's definition (undefined: no such set), so a tape joins only a set that exists. */
  | { readonly type: 'JoinSet'; readonly tape: TapeId; readonly set: SetName; readonly policy: SetPolicy | undefined }
  | { readonly type: 'MoveTape'; readonly tape: TapeId; readonly location: string };

/** Joining the set a tape is in, or moving it where it is, changes nothing: no event. A tape is in one set at most. */
const decide = (command: TapePlaceCommand, state: TapePlaceState): E.Either<DomainError, readonly TapePlaceEvent[]> => {
  if (!state.initialised) return E.left({ _tag: 'TapeNotInitialised', tape: command.tape });
  switch (command.type) {
    case 'JoinSet': {
      if (command.policy === undefined) return E.left({ _tag: 'SetNotFound', set: command.set });
      if (state.set === command.set) return E.right([]);
      if (state.set !== undefined) return E.left({ _tag: 'TapeInOtherSet', tape: command.tape, set: state.set, requested: command.set });
      const { copies, description } = command.policy;
      return E.right([{ type: 'TapeJoinedSet', data: { tape: command.tape, set: command.set, copies, description } }]);
    }
    case 'MoveTape':
      if (state.location === command.location) return E.right([]);
      return E.right([{ type: 'TapeMoved', data: { tape: command.tape, location: command.location } }]);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

const evolve = (state: TapePlaceState, event: DomainEvent): TapePlaceState => {
  switch (event.type) {
    case 'TapeInitialised':
      return { ...state, initialised: true };
    case 'TapeJoinedSet':
      return { ...state, set: event.data.set };
    case 'TapeMoved':
      return { ...state, location: event.data.location };
    default:
      return state;
  }
};

export const tapePlaceDecider: Decider<TapePlaceCommand, DomainEvent, TapePlaceState, DomainError> = {
  decide,
  evolve,
  initialState: { initialised: false, set: undefined, location: DEFAULT_LOCATION },
};
