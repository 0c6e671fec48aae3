import * as E from 'fp-ts/Either';
import type { EventEnvelope, StoredEvent } from '../domain/envelope';
import { CURRENT_SCHEMA, type DomainEvent } from '../domain/events';
import { EventId } from '../domain/ids';
import type { TapeId } from '../domain/tape-id';
import { mintId } from './mint-id';
import type { App } from './app';
import type { AppError } from './errors';
import { unlessBusy } from './hold-tape-lock';
import type { TapeSession } from './tape-session';

const TOOL = 'lto-archive/0.1.0';

/** Wraps new domain events of one stream into envelopes that continue it after `version`. */
export const envelopesFor = (
  app: App,
  stream: string,
  version: number,
  events: readonly DomainEvent[],
  meta: Readonly<Record<string, unknown>> = {},
  at: string = app.clock().toISOString(),
): EventEnvelope[] => {
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

/** Where new events go (the command handler records by it). */
export type Placement =
  /** Events of no tape (a label's definition): the local store only. */
  | { readonly to: 'store' }
  /** Part of a tape's audit trail that never goes to its journal (a browse, a recovery, a forgetting). */
  | { readonly to: 'local'; readonly tape: TapeId }
  /** Meant for the tape's journal, written there at its next writable contact (a held read-only job). */
  | { readonly to: 'pending'; readonly tape: TapeId }
  /**
   * The tape's journal first, then the store (recordForTape); pending when the tape cannot
   * take them now. `yieldIfBusy`: a small change (a description, a label, a key slot) waits
   * pending while another lto writes to the tape (tape-lock.ts `unlessBusy`), checked only
   * when there is something to record.
   */
  | { readonly to: 'journal'; readonly tape: TapeId; readonly session: TapeSession | undefined; readonly yieldIfBusy?: boolean };

/** Records envelopes where the placement says: the one switch between the store and the tape's journal. */
export const record = async (app: App, envelopes: readonly EventEnvelope[], placement: Placement): Promise<E.Either<AppError, Recorded>> => {
  switch (placement.to) {
    case 'store':
      return E.map((stored: readonly StoredEvent[]) => ({ stored, pending: false }))(await app.store.append(envelopes));
    case 'local':
      return recordLocally(app, placement.tape, envelopes);
    case 'pending':
      return recordPending(app, placement.tape, envelopes);
    case 'journal':
      return recordForTape(app, placement.tape, placement.yieldIfBusy === true ? unlessBusy(app, placement.session) : placement.session, envelopes);
    default: {
      const unhandled: never = placement;
      return unhandled;
    }
  }
};

/**
 * Records events of a tape: tape journal first, then the local store (DESIGN §4).
 * A write-protected or full tape (or none reachable) leaves them pending locally, to be written
 * at the next writable contact; any other tape error refuses and records nothing.
 */
export const recordForTape = async (
  app: App,
  tape: TapeId,
  session: TapeSession | undefined,
  envelopes: readonly EventEnvelope[],
): Promise<E.Either<AppError, Recorded>> => {
  if (session === undefined) return recordPending(app, tape, envelopes);
  const written = session.append(envelopes);
  if (E.isLeft(written)) {
    // FORMAT.md write order 5: a write-protected or full tape keeps the events pending.
    return written.left._tag === 'TapeWriteFailed' && (written.left.readOnly || written.left.full)
      ? recordPending(app, tape, envelopes)
      : written;
  }
  app.crashPoint('after-tape-append');
  const stored = await app.store.append(envelopes, { tape, state: 'written', seqs: written.right });
  if (E.isLeft(stored)) return stored;
  await session.commit();
  return E.right({ stored: stored.right, pending: false });
};

/** Records events of a tape in the local store only, to be written to its journal at the next flush. */
export const recordPending = async (app: App, tape: TapeId, envelopes: readonly EventEnvelope[]): Promise<E.Either<AppError, Recorded>> =>
  E.map((stored: readonly StoredEvent[]) => ({ stored, pending: true }))(
    await app.store.append(envelopes, { tape, state: 'pending' }),
  );

/** Records events that stay in the local store only (jobs that never reached a tape). */
export const recordLocally = async (app: App, tape: TapeId, envelopes: readonly EventEnvelope[]): Promise<E.Either<AppError, Recorded>> =>
  E.map((stored: readonly StoredEvent[]) => ({ stored, pending: false }))(
    await app.store.append(envelopes, { tape, state: 'local' }),
  );
