import * as E from 'fp-ts/Either';
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
export const createLabel = async (app: App, input: string, colourInput: string | undefined): Promise<E.Either<AppError, LabelChange>> => {
  const label = labelNameFromInput(input);
  if (E.isLeft(label)) return label;
  const color = normaliseColour(colourInput ?? DEFAULT_COLOUR);
  if (color === undefined) return E.left({ _tag: 'InvalidOption', option: '--color', value: colourInput ?? '', expected: COLOUR_FORM });
  return E.map(labelChange(label.right))(await handle(app, labelDecider, labelStream(label.right), { type: 'CreateLabel', label: label.right, color }, { to: 'store' }));
};

/** Removes a label definition; refused while a tape carries it. */
export const deleteLabel = async (app: App, input: string): Promise<E.Either<AppError, LabelChange>> => {
  const label = labelNameFromInput(input);
  if (E.isLeft(label)) return label;
  const carriedBy = (await app.catalog.labels.tapesWith(label.right)).filter((t): t is TapeId => isTapeId(t));
  return E.map(labelChange(label.right))(await handle(app, labelDecider, labelStream(label.right), { type: 'DeleteLabel', label: label.right, carriedBy }, { to: 'store' }));
};

/**
 * Puts a label on a tape or takes it off: an event of the tape, written to its journal
 * now if it is mounted writable, or pending until it is.
 */
export const changeTapeLabel = async (
  app: App,
  action: 'assign' | 'unassign',
  tapeInput: string,
  labelInput: string,
  mountOption: string | undefined,
): Promise<E.Either<AppError, LabelChange>> => {
  const tape = tapeIdFromInput(tapeInput);
  if (E.isLeft(tape)) return tape;
  const label = labelNameFromInput(labelInput);
  if (E.isLeft(label)) return label;
  if ((await app.catalog.tape(tape.right)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape: tape.right });
  const session = await openTapeSessionIfMounted(app, tape.right, mountOption);
  if (E.isLeft(session)) return session;
  const tapeLabels = await loadStream(app, tapeLabelsDecider, tapeStream(tape.right));
  if (E.isLeft(tapeLabels)) return tapeLabels;
  const command = action === 'unassign' ? E.right({ type: 'UnassignLabel' as const, tape: tape.right, label: label.right }) : await assignCommand(app, tape.right, label.right);
  if (E.isLeft(command)) return command;
  const placement = { to: 'journal', tape: tape.right, session: session.right, yieldIfBusy: true } as const;
  // Decided on the stream loaded above: an append by another process meanwhile is a VersionConflict.
  return E.map(labelChange(label.right))(await handle(app, tapeLabelsDecider, tapeLabels.right, command.right, placement));
};

/** Assigning needs the label's definition (its own stream): only a defined label goes on a tape. */
const assignCommand = async (app: App, tape: TapeId, label: LabelName): Promise<E.Either<AppError, TapeLabelCommand>> =>
  E.map((definition: StreamState<LabelState>): TapeLabelCommand => ({ type: 'AssignLabel', tape, label, definition: definition.state }))(
    await loadStream(app, labelDecider, labelStream(label)),
  );

export const listLabels = (app: App): Promise<readonly LabelView[]> => app.catalog.labels.labels();
