import { Observable } from 'rxjs';
import type { StoredEvent } from '../../domain/envelope';
import { checkReadAll } from './read-batches';

/** Reads up to `limit` events after position `after`, in position order, from a server. */
export type FetchAfterAsync = (after: number, limit: number) => Promise<readonly StoredEvent[]>;

/**
 * `readAll` for a server store: the same cold Observable as `readBatches`, but each batch
 * is fetched asynchronously, only after the previous one was handed out, and no fetch
 * starts once the subscriber has unsubscribed. No cursor stays open between batches.
 */
export const readBatchesAsync = (
  fetch: FetchAfterAsync,
  fromPosition: number,
  batchSize: number,
): Observable<readonly StoredEvent[]> => {
  checkReadAll(fromPosition, batchSize);
  return new Observable<readonly StoredEvent[]>((subscriber) => {
    const run = async (): Promise<void> => {
      let after = fromPosition;
      while (!subscriber.closed) {
        const batch = await fetch(after, batchSize);
        const last = batch.at(-1);
        if (last === undefined || subscriber.closed) break;
        subscriber.next(batch);
        // A short batch is the end: saves one empty query per replay.
        if (batch.length < batchSize) break;
        after = last.position;
      }
      subscriber.complete();
    };
    run().catch((error: unknown) => subscriber.error(error));
  });
};
