import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { DomainEvent, EventOfType } from '../events';
import type { TapeId } from '../tape-id';
import type { LabelState } from './label';
import type { LabelName } from './label-name';

/** The labels on one tape: folded from the tape's stream (`tape-<TAPEID>`). */
export type TapeLabelEvent = EventOfType<'TapeLabelled' | 'TapeUnlabelled'>;

export interface TapeLabelsState {
  readonly initialised: boolean;
  readonly labels: ReadonlySet<string>;
}

export type TapeLabelCommand =
  /** `definition`: the label's own state (its stream), so only a defined label is assigned. */
  | { readonly type: 'AssignLabel'; readonly tape: TapeId; readonly label: LabelName; readonly definition: LabelState }
  | { readonly type: 'UnassignLabel'; readonly tape: TapeId; readonly label: LabelName };

/** Assigning a label the tape has, or removing one it has not, changes nothing: no event. */
const decide = (command: TapeLabelCommand, state: TapeLabelsState): E.Either<DomainError, readonly TapeLabelEvent[]> => {
  if (!state.initialised) return E.left({ _tag: 'TapeNotInitialised', tape: command.tape });
  switch (command.type) {
    case 'AssignLabel': {
      const def = command.definition;
      if (def.status !== 'DEFINED') return E.left({ _tag: 'LabelNotFound', label: command.label });
      if (state.labels.has(command.label)) return E.right([]);
      return E.right([{ type: 'TapeLabelled', data: { tape: command.tape, label: command.label, color: def.color } }]);
    }
    case 'UnassignLabel':
      if (!state.labels.has(command.label)) return E.right([]);
      return E.right([{ type: 'TapeUnlabelled', data: { tape: command.tape, label: command.label } }]);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

const evolve = (state: TapeLabelsState, event: DomainEvent): TapeLabelsState => {
  switch (event.type) {
    case 'TapeInitialised':
      return { ...state, initialised: true };
    case 'TapeLabelled':
      return { ...state, labels: new Set([...state.labels, event.data.label]) };
    case 'TapeUnlabelled':
      return { ...state, labels: new Set([...state.labels].filter((l) => l !== event.data.label)) };
    default:
      return state;
  }
};

export const tapeLabelsDecider: Decider<TapeLabelCommand, DomainEvent, TapeLabelsState, DomainError> = {
  decide,
  evolve,
  initialState: { initialised: false, labels: new Set() },
};
