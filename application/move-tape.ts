import * as E from 'fp-ts/Either';
import { LOCATION_FORM, Location } from '../domain/set/set-name';
import type { AppError } from './errors';
import type { App } from './app';
import { changeTapePlace, type PlaceChange } from './tape-place';
import { tapeIdFromInput } from './tape-id-input';

const locationFromInput = (input: string): E.Either<AppError, string> => {
  const trimmed = input.trim();
  // The two places every site has are spelt one way, whatever the case typed.
  const place = ['library', 'shelf'].includes(trimmed.toLowerCase()) ? trimmed.toLowerCase() : trimmed;
  return Location.is(place) ? E.right(place) : E.left({ _tag: 'InvalidOption', option: '--to', value: input, expected: LOCATION_FORM });
};

/** Records where a tape was taken: an event of the tape (on its journal when it is mounted, else pending). */
export const moveTape = async (app: App, tapeInput: string, to: string, mountOption: string | undefined): Promise<E.Either<AppError, PlaceChange & { readonly location: string }>> => {
  const tape = tapeIdFromInput(tapeInput);
  if (E.isLeft(tape)) return tape;
  const location = locationFromInput(to);
  if (E.isLeft(location)) return location;
  return E.map((change: PlaceChange) => ({ ...change, location: location.right }))(
    await changeTapePlace(app, tape.right, mountOption, () => ({ type: 'MoveTape', tape: tape.right, location: location.right })),
  );
};
