import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { DomainEvent } from '../events';
import type { TapeId } from '../tape-id';

/** Whether this catalog shows a tape: stream `catalog-<TAPEID>`, local events only (never on the tape). */
export interface TapeCatalogState {
  /** Its latest forgetting is not followed by a recall. */
  readonly forgotten: boolean;
}

export type TapeCatalogCommand = { readonly type: 'ForgetTape'; readonly tape: TapeId } | { readonly type: 'RecallTape'; readonly tape: TapeId };

/** Forgetting a forgotten tape, or recalling one that is shown, changes nothing: no event. */
const decide = (command: TapeCatalogCommand, state: TapeCatalogState): E.Either<DomainError, readonly DomainEvent[]> => {
  switch (command.type) {
    case 'ForgetTape':
      return E.right(state.forgotten ? [] : [{ type: 'TapeForgotten', data: { tape: command.tape } }]);
    case 'RecallTape':
      return E.right(state.forgotten ? [{ type: 'TapeRecalled', data: { tape: command.tape } }] : []);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

const evolve = (state: TapeCatalogState, event: DomainEvent): TapeCatalogState => {
  switch (event.type) {
    case 'TapeForgotten':
      return { forgotten: true };
    case 'TapeRecalled':
      return { forgotten: false };
    default:
      return state;
  }
};

export const tapeCatalogDecider: Decider<TapeCatalogCommand, DomainEvent, TapeCatalogState, DomainError> = {
  decide,
  evolve,
  initialState: { forgotten: false },
};
