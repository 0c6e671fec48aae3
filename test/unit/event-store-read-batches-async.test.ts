import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { take } from 'rxjs';
import type { StoredEvent } from '../../domain/envelope';
import { readBatchesAsync, type FetchAfterAsync } from '../../infrastructure/event-store/read-batches-async';
import { collect, envelopes, storedAs } from '../support/store-fixtures';

/** An asynchronous fetch over `n` stored events that records each (after, limit) it is asked. */
const fakeServer = (n: number) => {
  const events: StoredEvent[] = envelopes('job-a', n).map((e, i) => storedAs(e, i + 1));
  const calls: [number, number][] = [];
  const fetch: FetchAfterAsync = async (after, limit) => {
    calls.push([after, limit]);
    await new Promise((resolve) => setImmediate(resolve));
    return events.slice(after, after + limit);
  };
  return { fetch, calls };
};

describe('readBatchesAsync', () => {
  it('asks for each batch after the last position of the previous one, one at a time', async () => {
    const { fetch, calls } = fakeServer(5);
    assert.deepEqual((await collect(readBatchesAsync(fetch, 0, 2))).map((b) => b.length), [2, 2, 1]);
    assert.deepEqual(calls, [
      [0, 2],
      [2, 2],
      [4, 2],
    ]);
  });

  it('fetches nothing more after the subscriber unsubscribes', async () => {
    const { fetch, calls } = fakeServer(10);
    await collect(readBatchesAsync(fetch, 0, 3).pipe(take(1)));
    // Give a fetch started after the unsubscription every chance to show up.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, [[0, 3]]);
  });

  it('fetches nothing until subscribed, and again at each subscription', async () => {
    const { fetch, calls } = fakeServer(3);
    const events = readBatchesAsync(fetch, 0, 3);
    assert.equal(calls.length, 0);
    await collect(events);
    await collect(events);
    assert.equal(calls.length, 4, 'a full batch, then the empty one that ends it, per subscription');
  });

  it('hands a failing fetch to the subscriber as an error', async () => {
    const fetch: FetchAfterAsync = () => Promise.reject(new Error('connection lost'));
    await assert.rejects(collect(readBatchesAsync(fetch, 0, 3)), /connection lost/);
  });

  it('refuses a batch size below 1 or a negative position at once', () => {
    const { fetch } = fakeServer(1);
    assert.throws(() => readBatchesAsync(fetch, 0, 0), RangeError);
    assert.throws(() => readBatchesAsync(fetch, -1, 1), RangeError);
  });
});
