import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { setDecider, type SetPolicy } from '../domain/set/set';
import { COPY_COUNT_FORM, CopyCount, SET_NAME_FORM, SetName, setStream } from '../domain/set/set-name';
import type { SetMemberView, SetView } from '../projections/ports/set-queries';
import type { App } from './app';
import type { AppError } from './errors';
import { handle, loadStream, type StreamState } from './handle';
import { changeTapePlace, type PlaceChange } from './tape-place';
import { tapeIdFromInput } from './tape-id-input';

export const setNameFromInput = (input: string): E.Either<AppError, SetName> => {
  const name = input.trim();
  return SetName.is(name) ? E.right(name) : E.left({ _tag: 'InvalidOption', option: 'set name', value: input, expected: SET_NAME_FORM });
};

const copiesFromInput = (input: string | undefined): E.Either<AppError, number> => {
  const copies = input === undefined ? 1 : Number(input.trim());
  return input !== undefined && (input.trim() === '' || !CopyCount.is(copies))
    ? E.left({ _tag: 'InvalidOption', option: '--copies', value: input, expected: COPY_COUNT_FORM })
    : E.right(copies);
};

type SetState = ReturnType<typeof setDecider.evolve>;

const setState = (app: App, set: SetName): E.Either<AppError, StreamState<SetState>> => loadStream(app, setDecider, setStream(set));

/** What a set asks for: from its own stream, or (a catalog recovered from its tapes) from a tape that joined it. */
export const setPolicy = (app: App, set: SetName): SetPolicy | undefined => {
  const loaded = setState(app, set);
  if (E.isRight(loaded) && loaded.right.state.status === 'DEFINED') return loaded.right.state;
  const known = app.catalog.sets.set(set);
  return known === undefined ? undefined : { set, copies: known.copies, description: known.description };
};

export interface SetCreation {
  readonly set: SetName;
  readonly copies: number;
  readonly description: string;
  /** False when the set already existed with this policy: nothing was recorded. */
  readonly changed: boolean;
}

/** Defines a tape set and its copy policy (local catalog; every tape that joins it carries the policy on its journal). */
export const createSet = (app: App, input: string, copiesInput: string | undefined, description: string | undefined): E.Either<AppError, SetCreation> =>
  pipe(
    E.Do,
    E.apS('set', setNameFromInput(input)),
    E.apS('copies', copiesFromInput(copiesInput)),
    E.chain(({ set, copies }) =>
      pipe(
        setState(app, set),
        E.chain((loaded) => {
          const known = setPolicy(app, set);
          const { state } = loaded;
          // Known only from its tapes (a recovered catalog): the same policy again is no change.
          const current = state.status === 'NONE' && known !== undefined ? { ...loaded, state: { status: 'DEFINED' as const, ...known } } : loaded;
          const command = { type: 'CreateSet' as const, set, copies, description: description?.trim() ?? '' };
          const result = { set, copies, description: current.state.status === 'DEFINED' ? current.state.description : command.description };
          return E.map((handled: { events: readonly unknown[] }) => ({ ...result, changed: handled.events.length > 0 }))(
            handle(app, setDecider, current, command, { to: 'store' }),
          );
        }),
      ),
    ),
  );

/** Puts a tape in a set: an event of the tape, on its journal (now if mounted writable, else at its next contact). */
export const addTapeToSet = (app: App, setInput: string, tapeInput: string, mountOption: string | undefined): E.Either<AppError, PlaceChange & { readonly set: SetName }> =>
  pipe(
    E.Do,
    E.apS('set', setNameFromInput(setInput)),
    E.apS('tape', tapeIdFromInput(tapeInput)),
    E.chain(({ set, tape }) =>
      E.map((change: PlaceChange) => ({ ...change, set }))(
        changeTapePlace(app, tape, mountOption, () => ({ type: 'JoinSet', tape, set, policy: setPolicy(app, set) })),
      ),
    ),
  );

/** Refuses a set that does not exist before anything else is done (a tape add or a backup naming it). */
export const existingSet = (app: App, input: string): E.Either<AppError, SetPolicy> =>
  pipe(
    setNameFromInput(input),
    E.chain((set) => {
      const policy = setPolicy(app, set);
      return policy === undefined ? E.left<AppError>({ _tag: 'SetNotFound', set }) : E.right(policy);
    }),
  );

export interface SetDetails extends SetView {
  readonly tapes: readonly SetMemberView[];
  /** Every tape in one place (two tapes or more, or one copy asked for two places): what `report` flags. */
  readonly onePlace: boolean;
}

/** Whether a set's tapes all sit in one place: one fire or flood takes them all. */
export const allInOnePlace = (tapes: readonly SetMemberView[]): boolean => tapes.length > 1 && new Set(tapes.map((t) => t.location)).size === 1;

export const showSet = (app: App, input: string): E.Either<AppError, SetDetails> =>
  pipe(
    setNameFromInput(input),
    E.chain((set) => {
      const view = app.catalog.sets.set(set);
      if (view === undefined) return E.left<AppError>({ _tag: 'SetNotFound', set });
      const tapes = app.catalog.sets.tapesOf(set);
      return E.right({ ...view, tapes, onePlace: allInOnePlace(tapes) });
    }),
  );

export const listSets = (app: App): SetDetails[] =>
  app.catalog.sets.sets().map((view) => {
    const tapes = app.catalog.sets.tapesOf(view.name);
    return { ...view, tapes, onePlace: allInOnePlace(tapes) };
  });
