import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { take } from 'rxjs';
import type { StoredEvent } from '../../domain/envelope';
import { readBatches, type FetchAfter } from '../../infrastructure/event-store/read-batches';
import { envelopes, storedAs } from '../support/store-fixtures';

/** A fetch over `n` stored events that records each (after, limit) it is asked. */
const fakeStore = (n: number) => {
  const events: StoredEvent[] = envelopes('job-a', n).map((e, i) => storedAs(e, i + 1));
  const calls: [number, number][] = [];
  const fetch: FetchAfter = (after, limit) => {
    calls.push([after, limit]);
    return events.slice(after, after + limit);
  };
  return { fetch, calls };
};

describe('readBatches', () => {
  it('asks for each batch after the last position of the previous one', () => {
    const { fetch, calls } = fakeStore(5);
    const sizes: number[] = [];
    readBatches(fetch, 0, 2).subscribe((b) => sizes.push(b.length));
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual(calls, [
      [0, 2],
      [2, 2],
      [4, 2],
    ]);
  });

  it('fetches nothing more after the subscriber unsubscribes', () => {
    const { fetch, calls } = fakeStore(10);
    readBatches(fetch, 0, 3).pipe(take(1)).subscribe();
    assert.equal(calls.length, 1);
  });

  it('fetches nothing until subscribed', () => {
    const { fetch, calls } = fakeStore(3);
    readBatches(fetch, 0, 3);
    assert.equal(calls.length, 0);
  });

  it('turns a failing fetch into an error notification', () => {
    const boom = new Error('disk gone');
    let failure: unknown;
    readBatches(() => {
      throw boom;
    }, 0, 3).subscribe({ error: (e: unknown) => (failure = e) });
    assert.equal(failure, boom);
  });
});
