import * as E from 'fp-ts/Either';
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

const setState = (app: App, set: SetName): Promise<E.Either<AppError, StreamState<SetState>>> => loadStream(app, setDecider, setStream(set));

/** What a set asks for: from its own stream, or (a catalog recovered from its tapes) from a tape that joined it. */
export const setPolicy = async (app: App, set: SetName): Promise<SetPolicy | undefined> => {
  const loaded = await setState(app, set);
  if (E.isRight(loaded) && loaded.right.state.status === 'DEFINED') return loaded.right.state;
  const known = await app.catalog.sets.set(set);
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
export const createSet = async (app: App, input: string, copiesInput: string | undefined, description: string | undefined): Promise<E.Either<AppError, SetCreation>> => {
  const set = setNameFromInput(input);
  if (E.isLeft(set)) return set;
  const copies = copiesFromInput(copiesInput);
  if (E.isLeft(copies)) return copies;
  const loaded = await setState(app, set.right);
  if (E.isLeft(loaded)) return loaded;
  const known = await setPolicy(app, set.right);
  const { state } = loaded.right;
  // Known only from its tapes (a recovered catalog): the same policy again is no change.
  const current = state.status === 'NONE' && known !== undefined ? { ...loaded.right, state: { status: 'DEFINED' as const, ...known } } : loaded.right;
  const command = { type: 'CreateSet' as const, set: set.right, copies: copies.right, description: description?.trim() ?? '' };
  const result = { set: set.right, copies: copies.right, description: current.state.status === 'DEFINED' ? current.state.description : command.description };
  return E.map((handled: { events: readonly unknown[] }) => ({ ...result, changed: handled.events.length > 0 }))(
    await handle(app, setDecider, current, command, { to: 'store' }),
  );
};

/** Puts a tape in a set: an event of the tape, on its journal (now if mounted writable, else at its next contact). */
export const addTapeToSet = async (app: App, setInput: string, tapeInput: string, mountOption: string | undefined): Promise<E.Either<AppError, PlaceChange & { readonly set: SetName }>> => {
  const set = setNameFromInput(setInput);
  if (E.isLeft(set)) return set;
  const tape = tapeIdFromInput(tapeInput);
  if (E.isLeft(tape)) return tape;
  const policy = await setPolicy(app, set.right);
  return E.map((change: PlaceChange) => ({ ...change, set: set.right }))(
    await changeTapePlace(app, tape.right, mountOption, () => ({ type: 'JoinSet', tape: tape.right, set: set.right, policy })),
  );
};

/** Refuses a set that does not exist before anything else is done (a tape add or a backup naming it). */
export const existingSet = async (app: App, input: string): Promise<E.Either<AppError, SetPolicy>> => {
  const set = setNameFromInput(input);
  if (E.isLeft(set)) return set;
  const policy = await setPolicy(app, set.right);
  return policy === undefined ? E.left({ _tag: 'SetNotFound', set: set.right }) : E.right(policy);
};

export interface SetDetails extends SetView {
  readonly tapes: readonly SetMemberView[];
  /** Every tape in one place (two tapes or more, or one copy asked for two places): what `report` flags. */
  readonly onePlace: boolean;
}

/** Whether a set's tapes all sit in one place: one fire or flood takes them all. */
export const allInOnePlace = (tapes: readonly SetMemberView[]): boolean => tapes.length > 1 && new Set(tapes.map((t) => t.location)).size === 1;

export const showSet = async (app: App, input: string): Promise<E.Either<AppError, SetDetails>> => {
  const set = setNameFromInput(input);
  if (E.isLeft(set)) return set;
  const view = await app.catalog.sets.set(set.right);
  if (view === undefined) return E.left({ _tag: 'SetNotFound', set: set.right });
  const tapes = await app.catalog.sets.tapesOf(set.right);
  return E.right({ ...view, tapes, onePlace: allInOnePlace(tapes) });
};

export const listSets = async (app: App): Promise<SetDetails[]> => {
  const details: SetDetails[] = [];
  for (const view of await app.catalog.sets.sets()) {
    const tapes = await app.catalog.sets.tapesOf(view.name);
    details.push({ ...view, tapes, onePlace: allInOnePlace(tapes) });
  }
  return details;
};
