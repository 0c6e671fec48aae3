import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { tapeStream } from '../domain/events';
import { tapePlaceDecider, type TapePlaceCommand, type TapePlaceState } from '../domain/set/tape-place';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { handle, loadStream } from './handle';
import { openTapeSessionIfMounted } from './tape-session';

export interface PlaceChange {
  readonly tape: TapeId;
  /** False when nothing had to change (already so): no event was recorded. */
  readonly changed: boolean;
  /** True when the tape could not be written: the event waits for its next writable contact. */
  readonly pending: boolean;
}

/**
 * Decides a change of a tape's set or location on the tape's own stream and records it:
 * on its journal now when it is mounted writable, else pending until it is (like a label).
 */
export const changeTapePlace = (
  app: App,
  tape: TapeId,
  mountOption: string | undefined,
  command: (state: TapePlaceState) => TapePlaceCommand,
): E.Either<AppError, PlaceChange> => {
  if (app.catalog.tape(tape) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const session = openTapeSessionIfMounted(app, tape, mountOption);
  if (E.isLeft(session)) return session;
  return pipe(
    loadStream(app, tapePlaceDecider, tapeStream(tape)),
    E.chainW((loaded) =>
      handle(app, tapePlaceDecider, loaded, command(loaded.state), { to: 'journal', tape, session: session.right, yieldIfBusy: true }),
    ),
    E.map((handled): PlaceChange => ({ tape, changed: handled.events.length > 0, pending: handled.pending })),
  );
};
