import * as E from 'fp-ts/Either';
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
export const changeTapePlace = async (
  app: App,
  tape: TapeId,
  mountOption: string | undefined,
  command: (state: TapePlaceState) => TapePlaceCommand,
): Promise<E.Either<AppError, PlaceChange>> => {
  if ((await app.catalog.tape(tape)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const session = await openTapeSessionIfMounted(app, tape, mountOption);
  if (E.isLeft(session)) return session;
  const loaded = await loadStream(app, tapePlaceDecider, tapeStream(tape));
  if (E.isLeft(loaded)) return loaded;
  // Decided on the stream loaded here: an append by another process meanwhile is a VersionConflict.
  const handled = await handle(app, tapePlaceDecider, loaded.right, command(loaded.right.state), { to: 'journal', tape, session: session.right, yieldIfBusy: true });
  return E.map((h: { readonly events: readonly unknown[]; readonly pending: boolean }): PlaceChange => ({ tape, changed: h.events.length > 0, pending: h.pending }))(handled);
};
