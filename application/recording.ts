import * as E from 'fp-ts/Either';
import type { EventEnvelope, StoredEvent } from '../domain/envelope';
import { CURRENT_SCHEMA, type DomainEvent } from '../domain/events';
import { EventId } from '../domain/ids';
import type { TapeId } from '../domain/tape-id';
import { mintId } from './ids';
import type { App } from './app';
import type { AppError } from './errors';
import type { TapeSession } from './tape-session';

const TOOL = 'lto-archive/0.1.0';

/** Wraps new domain events of one stream into envelopes that continue it after `version`. */
export const envelopesFor = (
  app: App,
  stream: string,
  version: number,
  events: readonly DomainEvent[],
  meta: Readonly<Record<string, unknown>> = {},
): EventEnvelope[] => {
  const at = app.clock().toISOString();
  return events.map((event, i) => ({
    id: mintId(EventId, app.newId()),
    stream,
    version: version + i + 1,
    type: event.type,
    schema: CURRENT_SCHEMA[event.type],
    at,
    data: event.data,
    meta: { host: app.host, tool: TOOL, ...meta },
  }));
};

export type Recorded = { readonly stored: readonly StoredEvent[]; readonly pending: boolean };

/**
 * Records events of a tape: tape journal first, then the local store (DESIGN §4).
 * A write-protected or full tape (or none reachable) leaves them pending locally, to be written
 * at the next writable contact; any other tape error refuses and records nothing.
 */
export const recordForTape = (
  app: App,
  tape: TapeId,
  session: TapeSession | undefined,
  envelopes: readonly EventEnvelope[],
): E.Either<AppError, Recorded> => {
  if (session === undefined) return recordPending(app, tape, envelopes);
  const written = session.append(envelopes);
  if (E.isLeft(written)) {
    // FORMAT.md write order 5: a write-protected or full tape keeps the events pending.
    return written.left._tag === 'TapeWriteFailed' && (written.left.readOnly || written.left.full)
      ? recordPending(app, tape, envelopes)
      : written;
  }
  app.crashPoint('after-tape-append');
  const stored = app.store.append(envelopes, { tape, state: 'written', seqs: written.right });
  if (E.isLeft(stored)) return stored;
  session.commit();
  return E.right({ stored: stored.right, pending: false });
};

/** Records events of a tape in the local store only, to be written to its journal at the next flush. */
export const recordPending = (app: App, tape: TapeId, envelopes: readonly EventEnvelope[]): E.Either<AppError, Recorded> =>
  E.map((stored: readonly StoredEvent[]) => ({ stored, pending: true }))(
    app.store.append(envelopes, { tape, state: 'pending' }),
  );

/** Records events that stay in the local store only (jobs that never reached a tape). */
export const recordLocally = (app: App, tape: TapeId, envelopes: readonly EventEnvelope[]): E.Either<AppError, Recorded> =>
  E.map((stored: readonly StoredEvent[]) => ({ stored, pending: false }))(
    app.store.append(envelopes, { tape, state: 'local' }),
  );
