import * as E from 'fp-ts/Either';
import { tapeStream } from '../domain/events';
import { tapeDecider } from '../domain/tape/tape';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { handle, type Handled } from './handle';
import { openTapeSessionIfMounted } from './tape-session';

export interface DescribeResult {
  readonly changed: boolean;
  /** True when the tape could not be written: the change waits in the catalog for the next contact. */
  readonly pending: boolean;
}

/**
 * Changes a tape's description. The tape need not be mounted: if it is not (or is
 * write-protected) the event stays pending and reaches the journal at the next contact.
 */
export const describeTape = async (app: App, tape: TapeId, description: string, mountOption: string | undefined): Promise<E.Either<AppError, DescribeResult>> => {
  // Also a tape this catalog forgot: its stream is still in the store, but it is no longer one of ours to change.
  if ((await app.catalog.tape(tape)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const session = await openTapeSessionIfMounted(app, tape, mountOption);
  if (E.isLeft(session)) return session;
  return E.map((handled: Handled<unknown>) => ({ changed: handled.events.length > 0, pending: handled.pending }))(
    await handle(app, tapeDecider, tapeStream(tape), { type: 'DescribeTape', tape, description }, { to: 'journal', tape, session: session.right, yieldIfBusy: true }),
  );
};
