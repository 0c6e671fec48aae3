import { Observable } from 'rxjs';
import type { StoredEvent } from '../../domain/envelope';

/** Reads up to `limit` events after position `after`, in position order. */
export type FetchAfter = (after: number, limit: number) => readonly StoredEvent[];

/**
 * `readAll` for every store: a cold Observable that, on subscribe, fetches batch after
 * batch synchronously (better-sqlite3 is synchronous; a replay inside one transaction
 * must not yield) and stops fetching as soon as the subscriber unsubscribes. No cursor
 * stays open between batches, so a consumer may write to the database as it goes
 * (events stored meanwhile are read if a later batch reaches them).
 */
export const readBatches = (fetch: FetchAfter, fromPosition: number, batchSize: number): Observable<readonly StoredEvent[]> => {
  checkReadAll(fromPosition, batchSize);
  return new Observable<readonly StoredEvent[]>((subscriber) => {
    try {
      let after = fromPosition;
      for (;;) {
        const batch = fetch(after, batchSize);
        const last = batch.at(-1);
        if (last === undefined) break;
        subscriber.next(batch);
        // A short batch is the end: saves one empty query per replay.
        if (batch.length < batchSize || subscriber.closed) break;
        after = last.position;
      }
      subscriber.complete();
    } catch (error) {
      subscriber.error(error);
    }
  });
};

/** The arguments every `readAll` refuses at once (a RangeError, before subscribing). */
export const checkReadAll = (fromPosition: number, batchSize: number): void => {
  if (!Number.isSafeInteger(fromPosition) || fromPosition < 0) throw new RangeError(`fromPosition ${fromPosition} is not a position`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize ${batchSize} is not a positive integer`);
};
