import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { foldEvents } from '../domain/decider';
import { tapeStream } from '../domain/events';
import { labelDecider } from '../domain/label/label';
import { COLOUR_FORM, DEFAULT_COLOUR, LABEL_NAME_FORM, LabelName, labelStream, normaliseColour } from '../domain/label/label-name';
import { tapeLabelsDecider } from '../domain/label/tape-labels';
import { isTapeId, type TapeId } from '../domain/tape-id';
import { type LabelView } from '../projections/ports/label-queries';
import type { App } from './app';
import { loadDomainEvents } from './describe-tape';
import type { AppError } from './errors';
import { envelopesFor, recordForTape } from './recording';
import { tapeIdFromInput } from './tape-id-input';
import { openTapeSessionIfMounted } from './tape-session';
import { unlessBusy } from './tape-lock';

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

const labelState = (app: App, label: LabelName) => {
  const { events, version } = loadDomainEvents(app, labelStream(label));
  return { state: foldEvents(labelDecider, events), version };
};

/** Defines a label (local catalog only: a tape carries the labels assigned to it). */
export const createLabel = (app: App, input: string, colourInput: string | undefined): E.Either<AppError, LabelChange> =>
  pipe(
    labelNameFromInput(input),
    E.chain((label) => {
      const color = normaliseColour(colourInput ?? DEFAULT_COLOUR);
      if (color === undefined) return E.left<AppError>({ _tag: 'InvalidOption', option: '--color', value: colourInput ?? '', expected: COLOUR_FORM });
      const { state, version } = labelState(app, label);
      return pipe(
        labelDecider.decide({ type: 'CreateLabel', label, color }, state),
        E.chainW((events) =>
          events.length === 0
            ? E.right({ label, changed: false, pending: false })
            : E.map(() => ({ label, changed: true, pending: false }))(app.store.append(envelopesFor(app, labelStream(label), version, events))),
        ),
      );
    }),
  );

/** Removes a label definition; refused while a tape carries it. */
export const deleteLabel = (app: App, input: string): E.Either<AppError, LabelChange> =>
  pipe(
    labelNameFromInput(input),
    E.chain((label): E.Either<AppError, LabelChange> => {
      const { state, version } = labelState(app, label);
      const carriedBy = app.catalog.labels.tapesWith(label).filter((t): t is TapeId => isTapeId(t));
      return pipe(
        labelDecider.decide({ type: 'DeleteLabel', label, carriedBy }, state),
        E.chainW((events) =>
          E.map(() => ({ label, changed: true, pending: false }))(app.store.append(envelopesFor(app, labelStream(label), version, events))),
        ),
      );
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
      const { events, version } = loadDomainEvents(app, tapeStream(tape));
      const state = foldEvents(tapeLabelsDecider, events);
      const command =
        action === 'assign'
          ? { type: 'AssignLabel' as const, tape, label, definition: labelState(app, label).state }
          : { type: 'UnassignLabel' as const, tape, label };
      return pipe(
        tapeLabelsDecider.decide(command, state),
        E.chainW((decided) => {
          if (decided.length === 0) return E.right({ label, changed: false, pending: false });
          return E.map((r: { pending: boolean }) => ({ label, changed: true, pending: r.pending }))(
            recordForTape(app, tape, unlessBusy(app, session.right), envelopesFor(app, tapeStream(tape), version, decided)),
          );
        }),
      );
    }),
  );

export const listLabels = (app: App): readonly LabelView[] => app.catalog.labels.labels();
