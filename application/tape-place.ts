import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { foldEvents } from '../domain/decider';
import { tapeStream } from '../domain/events';
import { tapePlaceDecider, type TapePlaceCommand, type TapePlaceState } from '../domain/set/tape-place';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import { loadDomainEvents } from './describe-tape';
import type { AppError } from './errors';
import { envelopesFor, recordForTape } from './recording';
import { openTapeSessionIfMounted } from './tape-session';
import { unlessBusy } from './tape-lock';

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
  const { events, version } = loadDomainEvents(app, tapeStream(tape));
  const state = foldEvents(tapePlaceDecider, events);
  return pipe(
    tapePlaceDecider.decide(command(state), state),
    E.chainW((decided): E.Either<AppError, PlaceChange> => {
      if (decided.length === 0) return E.right({ tape, changed: false, pending: false });
      return E.map((r: { pending: boolean }) => ({ tape, changed: true, pending: r.pending }))(
        recordForTape(app, tape, unlessBusy(app, session.right), envelopesFor(app, tapeStream(tape), version, decided)),
      );
    }),
  );
};
