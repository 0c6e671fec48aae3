import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
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
export const moveTape = (app: App, tapeInput: string, to: string, mountOption: string | undefined): E.Either<AppError, PlaceChange & { readonly location: string }> =>
  pipe(
    E.Do,
    E.apS('tape', tapeIdFromInput(tapeInput)),
    E.apS('location', locationFromInput(to)),
    E.chain(({ tape, location }) =>
      E.map((change: PlaceChange) => ({ ...change, location }))(changeTapePlace(app, tape, mountOption, () => ({ type: 'MoveTape', tape, location }))),
    ),
  );
