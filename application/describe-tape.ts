import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { foldEvents } from '../domain/decider';
import { decodeDomainEvent, tapeStream, type DomainEvent } from '../domain/events';
import { tapeDecider } from '../domain/tape/tape';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { envelopesFor, recordForTape } from './recording';
import { openTapeSessionIfMounted } from './tape-session';
import { unlessBusy } from './tape-lock';

export interface DescribeResult {
  readonly changed: boolean;
  /** True when the tape could not be written: the change waits in the catalog for the next contact. */
  readonly pending: boolean;
}

/** Loads a stream's domain events (events of unknown types are skipped: they cannot change state we know). */
export const loadDomainEvents = (app: App, stream: string): { events: DomainEvent[]; version: number } => {
  const stored = app.store.readStream(stream);
  const events = stored.flatMap((s) => {
    const d = decodeDomainEvent(s.type, s.schema, s.data);
    return E.isRight(d) ? [d.right] : [];
  });
  return { events, version: stored.length === 0 ? 0 : stored[stored.length - 1]!.version };
};

/**
 * Changes a tape's description. The tape need not be mounted: if it is not (or is
 * write-protected) the event stays pending and reaches the journal at the next contact.
 */
export const describeTape = (app: App, tape: TapeId, description: string, mountOption: string | undefined): E.Either<AppError, DescribeResult> => {
  // Also a tape this catalog forgot: its stream is still in the store, but it is no longer one of ours to change.
  if (app.catalog.tape(tape) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const session = openTapeSessionIfMounted(app, tape, mountOption);
  if (E.isLeft(session)) return session;
  const { events, version } = loadDomainEvents(app, tapeStream(tape));
  return pipe(
    tapeDecider.decide({ type: 'DescribeTape', tape, description }, foldEvents(tapeDecider, events)),
    E.chainW((decided) => {
      if (decided.length === 0) return E.right({ changed: false, pending: false });
      const envelopes = envelopesFor(app, tapeStream(tape), version, decided);
      return E.map((r: { pending: boolean }) => ({ changed: true, pending: r.pending }))(
        recordForTape(app, tape, unlessBusy(app, session.right), envelopes),
      );
    }),
  );
};
