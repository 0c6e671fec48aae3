import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { DomainEvent, EventOfType } from '../events';
import type { TapeId } from '../tape-id';
import type { Colour, LabelName } from './label-name';

/** A label definition: stream `label-<NAME>`. */
export type LabelEvent = EventOfType<'LabelCreated' | 'LabelDeleted'>;

export type LabelState =
  | { readonly status: 'NONE' }
  | { readonly status: 'DEFINED'; readonly label: LabelName; readonly color: Colour }
  | { readonly status: 'DELETED'; readonly label: LabelName };

export type LabelCommand =
  | { readonly type: 'CreateLabel'; readonly label: LabelName; readonly color: Colour }
  /** `carriedBy`: the tapes that have the label now (a label still in use is not deleted). */
  | { readonly type: 'DeleteLabel'; readonly label: LabelName; readonly carriedBy: readonly TapeId[] };

const decide = (command: LabelCommand, state: LabelState): E.Either<DomainError, readonly LabelEvent[]> => {
  switch (command.type) {
    case 'CreateLabel':
      if (state.status === 'DEFINED') {
        return state.color === command.color ? E.right([]) : E.left({ _tag: 'LabelExists', label: command.label, color: state.color });
      }
      return E.right([{ type: 'LabelCreated', data: { label: command.label, color: command.color } }]);
    case 'DeleteLabel':
      if (state.status !== 'DEFINED') return E.left({ _tag: 'LabelNotFound', label: command.label });
      if (command.carriedBy.length > 0) return E.left({ _tag: 'LabelInUse', label: command.label, tapes: command.carriedBy });
      return E.right([{ type: 'LabelDeleted', data: { label: command.label } }]);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

const evolve = (state: LabelState, event: DomainEvent): LabelState => {
  switch (event.type) {
    case 'LabelCreated':
      return { status: 'DEFINED', label: event.data.label, color: event.data.color };
    case 'LabelDeleted':
      return { status: 'DELETED', label: event.data.label };
    default:
      return state;
  }
};

export const labelDecider: Decider<LabelCommand, DomainEvent, LabelState, DomainError> = {
  decide,
  evolve,
  initialState: { status: 'NONE' },
};
