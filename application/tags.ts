import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { tapeStream } from '../domain/events';
import { labelDecider, type LabelState } from '../domain/label/label';
import { COLOUR_FORM, DEFAULT_COLOUR, LABEL_NAME_FORM, LabelName, labelStream, normaliseColour } from '../domain/label/label-name';
import { tapeLabelsDecider, type TapeLabelCommand } from '../domain/label/tape-labels';
import { isTapeId, type TapeId } from '../domain/tape-id';
import { type LabelView } from '../projections/ports/label-queries';
import type { App } from './app';
import type { AppError } from './errors';
import { handle, loadStream, type Handled, type StreamState } from './handle';
import { tapeIdFromInput } from './tape-id-input';
import { openTapeSessionIfMounted } from './tape-session';

export interface LabelChange {
  readonly label: string;
  /** False when nothing had to change (already so): no event was recorded. */
  readonly changed: boolean;
  /** True when the tape could not be written: the event waits for its next writable contact. */
  readonly pending: boolean;
}

export const labelNameFromInput = (input: string): E.Either<AppError, LabelName> => {
  const name = input.trim();
  return LabelName.is(name) ? E.right(name) : E.left({ _tag: 'InvalidOption', option: 'label', value: input, expected: LABEL_NAME_FORM });
};

const labelChange = (label: LabelName) => (handled: Handled<unknown>): LabelChange => ({ label, changed: handled.events.length > 0, pending: handled.pending });

/** Defines a label (local catalog only: a tape carries the labels assigned to it). */
export const createLabel = (app: App, input: string, colourInput: string | undefined): E.Either<AppError, LabelChange> =>
  pipe(
    labelNameFromInput(input),
    E.chain((label) => {
      const color = normaliseColour(colourInput ?? DEFAULT_COLOUR);
      if (color === undefined) return E.left<AppError>({ _tag: 'InvalidOption', option: '--color', value: colourInput ?? '', expected: COLOUR_FORM });
      return E.map(labelChange(label))(handle(app, labelDecider, labelStream(label), { type: 'CreateLabel', label, color }, { to: 'store' }));
    }),
  );

/** Removes a label definition; refused while a tape carries it. */
export const deleteLabel = (app: App, input: string): E.Either<AppError, LabelChange> =>
  pipe(
    labelNameFromInput(input),
    E.chain((label): E.Either<AppError, LabelChange> => {
      const carriedBy = app.catalog.labels.tapesWith(label).filter((t): t is TapeId => isTapeId(t));
      return E.map(labelChange(label))(handle(app, labelDecider, labelStream(label), { type: 'DeleteLabel', label, carriedBy }, { to: 'store' }));
    }),
  );

/**
 * Puts a label on a tape or takes it off: an event of the tape, written to its journal
 * now if it is mounted writable, or pending until it is.
 */
export const changeTapeLabel = (
  app: App,
  action: 'assign' | 'unassign',
  tapeInput: string,
  labelInput: string,
  mountOption: string | undefined,
): E.Either<AppError, LabelChange> =>
  pipe(
    E.Do,
    E.apS('tape', tapeIdFromInput(tapeInput)),
    E.apS('label', labelNameFromInput(labelInput)),
    E.chain(({ tape, label }) => {
      if (app.catalog.tape(tape) === undefined) return E.left<AppError>({ _tag: 'TapeNotRegistered', tape });
      const session = openTapeSessionIfMounted(app, tape, mountOption);
      if (E.isLeft(session)) return session;
      const tapeLabels = loadStream(app, tapeLabelsDecider, tapeStream(tape));
      if (E.isLeft(tapeLabels)) return tapeLabels;
      const command = action === 'unassign' ? E.right({ type: 'UnassignLabel' as const, tape, label }) : assignCommand(app, tape, label);
      if (E.isLeft(command)) return command;
      const placement = { to: 'journal', tape, session: session.right, yieldIfBusy: true } as const;
      return E.map(labelChange(label))(handle(app, tapeLabelsDecider, tapeLabels.right, command.right, placement));
    }),
  );

/** Assigning needs the label's definition (its own stream): only a defined label goes on a tape. */
const assignCommand = (app: App, tape: TapeId, label: LabelName): E.Either<AppError, TapeLabelCommand> =>
  E.map((definition: StreamState<LabelState>): TapeLabelCommand => ({ type: 'AssignLabel', tape, label, definition: definition.state }))(
    loadStream(app, labelDecider, labelStream(label)),
  );

export const listLabels = (app: App): readonly LabelView[] => app.catalog.labels.labels();
