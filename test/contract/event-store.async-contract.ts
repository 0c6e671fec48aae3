import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { take } from 'rxjs';
import type { EventEnvelope, StoredEvent } from '../../domain/envelope';
import type { EventStore } from '../../infrastructure/event-store/event-store';
import type { Placement, TapeEventEntry } from '../../infrastructure/event-store/event-store';
import type { TapeId } from '../../domain/tape-id';
import {
  DuplicateEventIdError,
  InvalidEnvelopeError,
  InvalidPlacementError,
  SeqTakenError,
  UnknownEventError,
} from '../../infrastructure/event-store/store-errors';
import { TAPE_A, TAPE_B, collect, envelope, envelopes, storedAs, tapeId } from '../support/store-fixtures';

/** What a hook may read while it runs: the store as its transaction sees it. */
export interface HookView {
  readStream(stream: string): Promise<readonly StoredEvent[]>;
  tapeEvents(tape: TapeId): Promise<readonly TapeEventEntry[]>;
}

/** An append hook as the contract writes it; each adapter registers it its own way (onAppend left the port). */
export type ContractHook = (events: readonly StoredEvent[], view: HookView) => void | Promise<void>;

/** A store to test, plus how to register a hook, reach the same storage again and clean up. */
export interface StoreUnderTest {
  readonly store: EventStore;
  /** Registers a hook that runs inside every later write's transaction (the adapter's own onAppend). */
  readonly onAppend: (hook: ContractHook) => void;
  /** Opens the same storage afresh (a durable store only). */
  readonly reopen?: () => Promise<EventStore>;
  readonly close: () => Promise<void>;
}

/**
 * The behaviour every EventStore must have, in the port's asynchronous form (issue 21):
 * the cases of event-store.contract.ts, awaited. Each test opens its own store, so the
 * suite runs unchanged against PostgreSQL and (once the port is asynchronous) SQLite
 * and the in-memory store, which should then run this suite instead of the synchronous one.
 */
export const asyncEventStoreContract = (name: string, open: () => Promise<StoreUnderTest>, options: { skip?: string } = {}): void => {
  const withStore =
    (test: (s: StoreUnderTest) => Promise<void>) =>
    async (): Promise<void> => {
      const s = await open();
      try {
        await test(s);
      } finally {
        await s.close();
      }
    };

  describe(`${name}: EventStore contract (async)`, { skip: options.skip ?? false }, () => {
    describe('append', () => appendTests(withStore));
    describe('readAll', () => readAllTests(withStore));
    describe('importEvents', () => importTests(withStore));
    describe('tape placement', () => placementTests(withStore));
    describe('hooks', () => hookTests(withStore));
    describe('durability', () => durabilityTests(open));
    describe('properties', () => propertyTests(open));
  });
};

type WithStore = (test: (s: StoreUnderTest) => Promise<void>) => () => Promise<void>;

const rightOf = <L, A>(result: E.Either<L, A>): A => {
  if (E.isLeft(result)) assert.fail(`expected Right, got ${JSON.stringify(result.left)}`);
  return result.right;
};

const leftOf = <L, A>(result: E.Either<L, A>): L => {
  if (E.isRight(result)) assert.fail(`expected Left, got Right ${JSON.stringify(result.right)}`);
  return result.left;
};

/** Everything observable about a store's content, to prove a failed write left no trace. */
const snapshot = async (store: EventStore, streams: readonly string[]) => ({
  last: await store.lastPosition(),
  streams: await Promise.all(streams.map((s) => store.readStream(s))),
  tapes: [await store.tapeEvents(TAPE_A), await store.tapeEvents(TAPE_B)],
});

const appendTests = (withStore: WithStore): void => {
  it(
    'appends events and reads their stream back in version order, with positions',
    withStore(async ({ store }) => {
      const events = envelopes('job-a', 3);
      const stored = rightOf(await store.append(events));
      assert.deepEqual(stored, events.map((e, i) => storedAs(e, i + 1)));
      assert.deepEqual(await store.readStream('job-a'), stored);
      assert.equal(await store.streamVersion('job-a'), 3);
      assert.equal(await store.lastPosition(), 3);
    }),
  );

  it(
    'reads a stream\'s events of some types only, in version order',
    withStore(async ({ store }) => {
      const events = [
        envelope('job-a', 1, { type: 'JobStarted' }),
        envelope('job-a', 2, { type: 'FilesArchived' }),
        envelope('job-a', 3, { type: 'SegmentClosed' }),
        envelope('job-b', 1, { type: 'SegmentClosed' }),
      ];
      const stored = rightOf(await store.append(events));
      assert.deepEqual(await store.readStreamOfTypes('job-a', ['SegmentClosed', 'JobStarted']), [stored[0], stored[2]]);
      assert.deepEqual(await store.readStreamOfTypes('job-a', []), []);
      assert.deepEqual(await store.readStreamOfTypes('job-none', ['JobStarted']), []);
    }),
  );

  it(
    'knows nothing of a stream that has no events',
    withStore(async ({ store }) => {
      assert.deepEqual(await store.readStream('job-none'), []);
      assert.equal(await store.streamVersion('job-none'), 0);
      assert.equal(await store.lastPosition(), 0);
    }),
  );

  it(
    'continues a stream at its next version in a later append',
    withStore(async ({ store }) => {
      rightOf(await store.append(envelopes('job-a', 2)));
      const more = envelopes('job-a', 2, 2);
      assert.deepEqual(rightOf(await store.append(more)), more.map((e, i) => storedAs(e, i + 3)));
      assert.deepEqual((await store.readStream('job-a')).map((e) => e.version), [1, 2, 3, 4]);
    }),
  );

  it(
    'refuses a stale expected version with a VersionConflict and stores nothing',
    withStore(async ({ store }) => {
      rightOf(await store.append(envelopes('job-a', 2)));
      const before = await snapshot(store, ['job-a']);
      const conflict = leftOf(await store.append([envelope('job-a', 2)]));
      assert.deepEqual(conflict, { _tag: 'VersionConflict', stream: 'job-a', expected: 1, actual: 2 });
      assert.deepEqual(await snapshot(store, ['job-a']), before);
    }),
  );

  it(
    'refuses a version that skips ahead of the stream',
    withStore(async ({ store }) => {
      rightOf(await store.append(envelopes('job-a', 1)));
      const conflict = leftOf(await store.append([envelope('job-a', 3)]));
      assert.deepEqual(conflict, { _tag: 'VersionConflict', stream: 'job-a', expected: 2, actual: 1 });
      assert.equal(await store.streamVersion('job-a'), 1);
    }),
  );

  it(
    'refuses a whole multi-stream batch when only its second stream conflicts',
    withStore(async ({ store }) => {
      rightOf(await store.append(envelopes('tape-000001L5', 1), { tape: TAPE_A, state: 'pending' }));
      const before = await snapshot(store, ['job-a', 'tape-000001L5']);
      const batch = [...envelopes('job-a', 2), envelope('tape-000001L5', 1)];
      const conflict = leftOf(await store.append(batch, { tape: TAPE_A, state: 'pending' }));
      assert.deepEqual(conflict, { _tag: 'VersionConflict', stream: 'tape-000001L5', expected: 0, actual: 1 });
      assert.deepEqual(await snapshot(store, ['job-a', 'tape-000001L5']), before);
      assert.equal((await store.pendingFor(TAPE_A)).length, 1);
    }),
  );

  it(
    'refuses a batch whose versions are not contiguous within a stream',
    withStore(async ({ store }) => {
      const conflict = leftOf(await store.append([envelope('job-a', 1), envelope('job-a', 3)]));
      assert.deepEqual(conflict, { _tag: 'VersionConflict', stream: 'job-a', expected: 2, actual: 1 });
      assert.equal(await store.lastPosition(), 0);
    }),
  );

  it(
    'stores interleaved streams of one batch in batch order',
    withStore(async ({ store }) => {
      const batch = [envelope('job-a', 1), envelope('tape-000001L5', 1), envelope('job-a', 2)];
      const stored = rightOf(await store.append(batch));
      assert.deepEqual(stored.map((e) => [e.stream, e.version, e.position]), [
        ['job-a', 1, 1],
        ['tape-000001L5', 1, 2],
        ['job-a', 2, 3],
      ]);
      assert.deepEqual((await store.readStream('job-a')).map((e) => e.position), [1, 3]);
    }),
  );

  it(
    'throws on an id that is already stored, and stores nothing of the batch',
    withStore(async ({ store }) => {
      const [first] = envelopes('job-a', 1);
      rightOf(await store.append([first!]));
      const reused = envelope('job-b', 1, { id: first!.id });
      await assert.rejects(async () => await store.append([envelope('job-c', 1), reused]), DuplicateEventIdError);
      assert.equal(await store.lastPosition(), 1);
      assert.equal(await store.streamVersion('job-c'), 0);
    }),
  );

  it(
    'throws on an id repeated within one batch',
    withStore(async ({ store }) => {
      const a = envelope('job-a', 1);
      await assert.rejects(async () => await store.append([a, envelope('job-b', 1, { id: a.id })]), DuplicateEventIdError);
      assert.equal(await store.lastPosition(), 0);
    }),
  );

  it(
    'throws on an envelope that does not decode or whose data is not JSON',
    withStore(async ({ store }) => {
      await assert.rejects(async () => await store.append([envelope('No Spaces Allowed', 1)]), InvalidEnvelopeError);
      await assert.rejects(async () => await store.append([envelope('job-a', 1, { at: 'yesterday' })]), InvalidEnvelopeError);
      await assert.rejects(async () => await store.append([envelope('job-a', 1, { data: undefined })]), InvalidEnvelopeError);
      await assert.rejects(async () => await store.append([envelope('job-a', 1, { data: { n: 1n } })]), InvalidEnvelopeError);
      assert.equal(await store.lastPosition(), 0);
    }),
  );

  it(
    'keeps events as JSON: undefined fields drop out and the caller cannot alter what is stored',
    withStore(async ({ store }) => {
      const data = { kept: 1, dropped: undefined, nested: { list: [1, 2] } };
      const e = envelope('job-a', 1, { data, meta: { host: 'h' } });
      const [stored] = rightOf(await store.append([e]));
      data.nested.list.push(3);
      const expected = { ...e, position: 1, data: { kept: 1, nested: { list: [1, 2] } } };
      assert.deepEqual(stored, expected);
      assert.deepEqual(await store.readStream('job-a'), [expected]);
    }),
  );

  it(
    'returns nothing for an empty append',
    withStore(async ({ store }) => {
      assert.deepEqual(rightOf(await store.append([])), []);
      assert.equal(await store.lastPosition(), 0);
    }),
  );

  it(
    'tells which ids are stored',
    withStore(async ({ store }) => {
      const stored = envelopes('job-a', 2);
      rightOf(await store.append(stored));
      const stranger = envelope('job-b', 1).id;
      assert.deepEqual(await store.knownIds([stored[0]!.id, stranger, stored[1]!.id]), new Set([stored[0]!.id, stored[1]!.id]));
      assert.deepEqual(await store.knownIds([]), new Set());
    }),
  );
};

const readAllTests = (withStore: WithStore): void => {
  const fill = async (store: EventStore, count: number): Promise<readonly StoredEvent[]> => rightOf(await store.append(envelopes('job-a', count)));

  it(
    'reads every event from position 0 in batches of at most the batch size',
    withStore(async ({ store }) => {
      const stored = await fill(store, 7);
      const batches = await collect(store.readAll(0, 3));
      assert.deepEqual(batches.map((b) => b.length), [3, 3, 1]);
      assert.deepEqual(batches.flat(), stored);
    }),
  );

  it(
    'reads only the events after a middle position',
    withStore(async ({ store }) => {
      const stored = await fill(store, 7);
      const batches = await collect(store.readAll(4, 2));
      assert.deepEqual(batches.map((b) => b.map((e) => e.position)), [[5, 6], [7]]);
      assert.deepEqual(batches.flat(), stored.slice(4));
    }),
  );

  it(
    'ends without an empty batch when the last batch is exactly full',
    withStore(async ({ store }) => {
      await fill(store, 4);
      assert.deepEqual((await collect(store.readAll(0, 2))).map((b) => b.length), [2, 2]);
    }),
  );

  it(
    'completes without emitting for an empty store or a position past the end',
    withStore(async ({ store }) => {
      assert.deepEqual(await collect(store.readAll(0, 10)), []);
      await fill(store, 2);
      assert.deepEqual(await collect(store.readAll(2, 10)), []);
      assert.deepEqual(await collect(store.readAll(99, 10)), []);
    }),
  );

  it(
    'reads when subscribed, not when readAll is called',
    withStore(async ({ store }) => {
      await fill(store, 5);
      const events = store.readAll(0, 2);
      rightOf(await store.append(envelopes('job-b', 1)));
      assert.deepEqual((await collect(events)).map((b) => b.length), [2, 2, 2]);
    }),
  );

  it(
    'emits nothing more once the subscriber unsubscribes',
    withStore(async ({ store }) => {
      await fill(store, 10);
      const seen: number[][] = [];
      await new Promise<void>((resolve, reject) => {
        store
          .readAll(0, 2)
          .pipe(take(2))
          .subscribe({ next: (b) => seen.push(b.map((e) => e.position)), error: reject, complete: resolve });
      });
      // A round trip later, a batch fetched after the unsubscription would have arrived.
      await store.lastPosition();
      assert.deepEqual(seen, [
        [1, 2],
        [3, 4],
      ]);
    }),
  );

  it(
    'reads each subscription afresh (cold)',
    withStore(async ({ store }) => {
      await fill(store, 2);
      const events = store.readAll(0, 10);
      assert.equal((await collect(events)).flat().length, 2);
      rightOf(await store.append(envelopes('job-b', 1)));
      assert.equal((await collect(events)).flat().length, 3);
    }),
  );

  it(
    'lets a consumer write to the store between batches',
    withStore(async ({ store }) => {
      await fill(store, 4);
      const seen: number[] = [];
      let write: Promise<E.Either<unknown, unknown>> = Promise.resolve(E.right(undefined));
      await new Promise<void>((resolve, reject) => {
        store.readAll(0, 2).subscribe({
          next: (batch) => {
            seen.push(...batch.map((e) => e.position));
            if (batch[0]?.position === 1) write = store.append(envelopes('job-b', 1));
          },
          error: reject,
          complete: resolve,
        });
      });
      rightOf(await write);
      assert.deepEqual(seen.slice(0, 4), [1, 2, 3, 4]);
      assert.equal(await store.lastPosition(), 5);
    }),
  );

  it(
    'refuses a batch size below 1 or a negative position',
    withStore(async ({ store }) => {
      assert.throws(() => store.readAll(0, 0), RangeError);
      assert.throws(() => store.readAll(-1, 10), RangeError);
      assert.throws(() => store.readAll(0, 1.5), RangeError);
    }),
  );
};

const importTests = (withStore: WithStore): void => {
  const journal = (events: readonly EventEnvelope[], firstSeq = 1): Placement => ({
    tape: TAPE_A,
    state: 'written',
    seqs: events.map((_, i) => firstSeq + i),
  });

  it(
    'imports events with their own ids and versions, in journal order',
    withStore(async ({ store }) => {
      const events = [envelope('tape-000001L5', 1), envelope('job-x', 1), envelope('job-x', 2)];
      const result = rightOf(await store.importEvents(events, journal(events)));
      assert.deepEqual(result, { imported: events.map((e, i) => storedAs(e, i + 1)), alreadyKnown: 0 });
      assert.deepEqual((await store.readStream('job-x')).map((e) => e.id), [events[1]!.id, events[2]!.id]);
    }),
  );

  it(
    'imports the same journal a second time without storing anything',
    withStore(async ({ store }) => {
      const events = envelopes('job-x', 3);
      rightOf(await store.importEvents(events, journal(events)));
      const before = await snapshot(store, ['job-x']);
      assert.deepEqual(rightOf(await store.importEvents(events, journal(events))), { imported: [], alreadyKnown: 3 });
      assert.deepEqual(await snapshot(store, ['job-x']), before);
    }),
  );

  it(
    'imports only the new events of a journal that continues stored streams',
    withStore(async ({ store }) => {
      const local = envelopes('job-x', 2);
      rightOf(await store.append(local));
      const later = envelopes('job-x', 2, 2);
      const result = rightOf(await store.importEvents([...local, ...later]));
      assert.deepEqual(result, { imported: later.map((e, i) => storedAs(e, i + 3)), alreadyKnown: 2 });
    }),
  );

  it(
    'refuses a new id on a taken (stream, version) with an ImportConflict and stores nothing',
    withStore(async ({ store }) => {
      const [mine] = envelopes('job-x', 1);
      rightOf(await store.append([mine!]));
      const before = await snapshot(store, ['job-x', 'job-y']);
      const theirs = envelope('job-x', 1);
      const conflict = leftOf(await store.importEvents([envelope('job-y', 1), theirs], journal([mine!, theirs])));
      assert.deepEqual(conflict, {
        _tag: 'ImportConflict',
        stream: 'job-x',
        version: 1,
        existingId: mine!.id,
        importedId: theirs.id,
      });
      assert.deepEqual(await snapshot(store, ['job-x', 'job-y']), before);
    }),
  );

  it(
    'refuses two new ids for one (stream, version) within a batch',
    withStore(async ({ store }) => {
      const first = envelope('job-x', 1);
      const second = envelope('job-x', 1);
      const conflict = leftOf(await store.importEvents([first, second]));
      assert.deepEqual(conflict, { _tag: 'ImportConflict', stream: 'job-x', version: 1, existingId: first.id, importedId: second.id });
      assert.equal(await store.lastPosition(), 0);
    }),
  );

  it(
    'refuses an import that leaves a hole in a stream with an ImportGap and stores nothing',
    withStore(async ({ store }) => {
      rightOf(await store.append(envelopes('job-x', 1)));
      const skipping = envelope('job-x', 3);
      const gap = leftOf(await store.importEvents([envelope('job-y', 1), skipping]));
      assert.deepEqual(gap, { _tag: 'ImportGap', stream: 'job-x', expected: 2, found: 3, importedId: skipping.id });
      assert.equal(await store.lastPosition(), 1);
    }),
  );

  it(
    'refuses a stream whose events come out of version order',
    withStore(async ({ store }) => {
      const [one, two] = envelopes('job-x', 2);
      const gap = leftOf(await store.importEvents([two!, one!]));
      assert.deepEqual(gap, { _tag: 'ImportGap', stream: 'job-x', expected: 1, found: 2, importedId: two!.id });
    }),
  );

  it(
    'marks events it already holds as pending written at the journal seqs',
    withStore(async ({ store }) => {
      const events = envelopes('tape-000001L5', 2);
      rightOf(await store.append(events, { tape: TAPE_A, state: 'pending' }));
      const result = rightOf(await store.importEvents(events, journal(events, 7)));
      assert.deepEqual(result, { imported: [], alreadyKnown: 2 });
      assert.deepEqual(await store.pendingFor(TAPE_A), []);
      assert.deepEqual(
        (await store.tapeEvents(TAPE_A)).map((t) => [t.event.id, t.seq, t.state]),
        events.map((e, i) => [e.id, 7 + i, 'written']),
      );
    }),
  );

  it(
    'keeps the first seq of an event that a journal holds twice',
    withStore(async ({ store }) => {
      const [x, y] = envelopes('job-x', 2);
      const records = [x!, y!, x!];
      const result = rightOf(await store.importEvents(records, journal(records)));
      assert.equal(result.imported.length, 2);
      assert.equal(result.alreadyKnown, 1);
      assert.deepEqual((await store.tapeEvents(TAPE_A)).map((t) => [t.event.id, t.seq]), [
        [x!.id, 1],
        [y!.id, 2],
      ]);
    }),
  );

  it(
    'records the tape of known events that had no placement on it',
    withStore(async ({ store }) => {
      const events = envelopes('job-x', 1);
      rightOf(await store.append(events, { tape: TAPE_A, state: 'written', seqs: [1] }));
      rightOf(await store.importEvents(events, { tape: TAPE_B, state: 'written', seqs: [4] }));
      assert.deepEqual((await store.tapeEvents(TAPE_B)).map((t) => [t.event.id, t.seq, t.state]), [[events[0]!.id, 4, 'written']]);
      assert.deepEqual((await store.tapeEvents(TAPE_A)).map((t) => t.seq), [1]);
    }),
  );

  it(
    'throws on a journal seq that another event holds on that tape, and stores nothing',
    withStore(async ({ store }) => {
      rightOf(await store.append(envelopes('job-x', 1), { tape: TAPE_A, state: 'written', seqs: [1] }));
      const stranger = envelopes('job-y', 2);
      await assert.rejects(async () => await store.importEvents(stranger, journal(stranger)), SeqTakenError);
      assert.equal(await store.lastPosition(), 1);
    }),
  );
};

const placementTests = (withStore: WithStore): void => {
  it(
    'lists a tape’s journal entries by seq, then its pending and local events by position',
    withStore(async ({ store }) => {
      const [local] = rightOf(await store.append([envelope('job-a', 1)], { tape: TAPE_A, state: 'local' }));
      const [pending] = rightOf(await store.append([envelope('job-b', 1)], { tape: TAPE_A, state: 'pending' }));
      const [late, early] = rightOf(
        await store.append([envelope('job-c', 1), envelope('job-c', 2)], { tape: TAPE_A, state: 'written', seqs: [2, 1] }),
      );
      rightOf(await store.append([envelope('job-d', 1)], { tape: TAPE_B, state: 'pending' }));
      assert.deepEqual(await store.tapeEvents(TAPE_A), [
        { event: early, seq: 1, state: 'written' },
        { event: late, seq: 2, state: 'written' },
        { event: local, seq: null, state: 'local' },
        { event: pending, seq: null, state: 'pending' },
      ]);
    }),
  );

  it(
    'lists only the pending events of the tape asked for, in position order',
    withStore(async ({ store }) => {
      const first = rightOf(await store.append(envelopes('job-a', 2), { tape: TAPE_A, state: 'pending' }));
      rightOf(await store.append([envelope('job-b', 1)], { tape: TAPE_B, state: 'pending' }));
      rightOf(await store.append([envelope('job-c', 1)], { tape: TAPE_A, state: 'local' }));
      const second = rightOf(await store.append(envelopes('job-a', 1, 2), { tape: TAPE_A, state: 'pending' }));
      assert.deepEqual(await store.pendingFor(TAPE_A), [...first, ...second]);
      assert.deepEqual(await store.tapeEvents(tapeId('000009L7')), []);
    }),
  );

  it(
    'marks pending events written at the given seqs',
    withStore(async ({ store }) => {
      const pending = rightOf(await store.append(envelopes('job-a', 2), { tape: TAPE_A, state: 'pending' }));
      await store.markWritten(TAPE_A, pending.map((e, i) => ({ id: e.id, seq: 10 + i })));
      assert.deepEqual(await store.pendingFor(TAPE_A), []);
      assert.deepEqual(await store.tapeEvents(TAPE_A), pending.map((event, i) => ({ event, seq: 10 + i, state: 'written' })));
    }),
  );

  it(
    'after a journal rollback, unwrites the events from a seq on: pending again in position order, their seqs free, lastSeq back',
    withStore(async ({ store }) => {
      const written = rightOf(await store.append(envelopes('job-a', 5), { tape: TAPE_A, state: 'written', seqs: [1, 2, 3, 4, 5] }));
      rightOf(await store.append([envelope('job-b', 1)], { tape: TAPE_B, state: 'written', seqs: [4] }));
      const later = rightOf(await store.append([envelope('job-c', 1)], { tape: TAPE_A, state: 'pending' }));
      assert.equal(await store.lastSeq(TAPE_A), 5);
      assert.deepEqual(await store.writtenIdsFrom(TAPE_A, 4), written.slice(3).map((e, i) => ({ seq: 4 + i, id: e.id })));
      assert.equal(await store.markUnwritten(TAPE_A, 4), 2);
      assert.deepEqual(await store.writtenIdsFrom(TAPE_A, 1), written.slice(0, 3).map((e, i) => ({ seq: 1 + i, id: e.id })));
      assert.equal(await store.lastSeq(TAPE_A), 3);
      assert.equal(await store.lastSeq(TAPE_B), 4, 'another tape keeps its seqs');
      assert.deepEqual(await store.pendingFor(TAPE_A), [...written.slice(3), ...later]);
      // The freed seqs take the events again when they are written anew (or others).
      await store.markWritten(TAPE_A, [...written.slice(3), ...later].map((e, i) => ({ id: e.id, seq: 4 + i })));
      assert.deepEqual((await store.tapeEvents(TAPE_A)).map((t) => [t.event.id, t.seq]), [...written, ...later].map((e, i) => [e.id, i + 1]));
      assert.equal(await store.markUnwritten(TAPE_A, 7), 0);
      assert.equal(await store.lastSeq(tapeId('000009L7')), 0);
      await assert.rejects(async () => await store.markUnwritten(TAPE_A, 0), InvalidPlacementError);
    }),
  );

  it(
    'marks an event written on a tape it had no placement on',
    withStore(async ({ store }) => {
      const [event] = rightOf(await store.append([envelope('job-a', 1)]));
      await store.markWritten(TAPE_B, [{ id: event!.id, seq: 1 }]);
      assert.deepEqual(await store.tapeEvents(TAPE_B), [{ event, seq: 1, state: 'written' }]);
    }),
  );

  it(
    'keeps the first seq when an event already written is marked again',
    withStore(async ({ store }) => {
      const [event] = rightOf(await store.append([envelope('job-a', 1)], { tape: TAPE_A, state: 'written', seqs: [3] }));
      await store.markWritten(TAPE_A, [{ id: event!.id, seq: 3 }]);
      await store.markWritten(TAPE_A, [{ id: event!.id, seq: 8 }]);
      assert.deepEqual((await store.tapeEvents(TAPE_A)).map((t) => t.seq), [3]);
    }),
  );

  it(
    'marks nothing when one of the ids is unknown',
    withStore(async ({ store }) => {
      const [event] = rightOf(await store.append([envelope('job-a', 1)], { tape: TAPE_A, state: 'pending' }));
      const unknown = envelope('job-b', 1).id;
      await assert.rejects(async () => await store.markWritten(TAPE_A, [{ id: event!.id, seq: 1 }, { id: unknown, seq: 2 }]), UnknownEventError);
      assert.deepEqual(await store.pendingFor(TAPE_A), [event]);
    }),
  );

  it(
    'refuses a seq that another event holds on that tape, but not on another tape',
    withStore(async ({ store }) => {
      rightOf(await store.append([envelope('job-a', 1)], { tape: TAPE_A, state: 'written', seqs: [1] }));
      await assert.rejects(async () => await store.append([envelope('job-b', 1)], { tape: TAPE_A, state: 'written', seqs: [1] }), SeqTakenError);
      assert.equal(await store.lastPosition(), 1);
      const [other] = rightOf(await store.append([envelope('job-b', 1)], { tape: TAPE_B, state: 'written', seqs: [1] }));
      await assert.rejects(async () => await store.markWritten(TAPE_A, [{ id: other!.id, seq: 1 }]), SeqTakenError);
    }),
  );

  it(
    'refuses a written placement whose seqs do not fit the events',
    withStore(async ({ store }) => {
      const two = envelopes('job-a', 2);
      await assert.rejects(async () => await store.append(two, { tape: TAPE_A, state: 'written', seqs: [1] }), InvalidPlacementError);
      await assert.rejects(async () => await store.append(two, { tape: TAPE_A, state: 'written', seqs: [0, 1] }), InvalidPlacementError);
      await assert.rejects(async () => await store.importEvents(two, { tape: TAPE_A, state: 'written', seqs: [1, 2.5] }), InvalidPlacementError);
      assert.equal(await store.lastPosition(), 0);
    }),
  );
};

const hookTests = (withStore: WithStore): void => {
  it(
    'runs every hook, in registration order, with the stored events already readable',
    withStore(async ({ store, onAppend }) => {
      const calls: string[] = [];
      onAppend(async (events, view) => {
        calls.push(`first ${events.map((e) => e.position).join(',')}`);
        assert.deepEqual(await view.readStream('job-a'), events);
        assert.equal((await view.tapeEvents(TAPE_A)).length, events.length);
      });
      onAppend(() => {
        calls.push('second');
      });
      const stored = rightOf(await store.append(envelopes('job-a', 2), { tape: TAPE_A, state: 'pending' }));
      assert.deepEqual(calls, ['first 1,2', 'second']);
      assert.equal(stored.length, 2);
    }),
  );

  it(
    'rolls back events and placements when a hook throws, and lets the error through',
    withStore(async ({ store, onAppend }) => {
      rightOf(await store.append([envelope('job-a', 1)]));
      const boom = new Error('projection bug');
      let fail = true;
      onAppend(() => {
        if (fail) throw boom;
      });
      const before = await snapshot(store, ['job-a', 'job-b']);
      await assert.rejects(async () => await store.append([envelope('job-a', 2), envelope('job-b', 1)], { tape: TAPE_A, state: 'written', seqs: [1, 2] }), boom);
      assert.deepEqual(await snapshot(store, ['job-a', 'job-b']), before);
      fail = false;
      const [next] = rightOf(await store.append([envelope('job-b', 1)], { tape: TAPE_A, state: 'written', seqs: [1] }));
      assert.equal(next!.position, 2, 'the failed append used up no position');
    }),
  );

  it(
    'runs hooks for imports with only the newly stored events',
    withStore(async ({ store, onAppend }) => {
      const known = envelopes('job-a', 1);
      rightOf(await store.append(known));
      const seen: string[][] = [];
      onAppend((events) => {
        seen.push(events.map((e) => e.id));
      });
      const fresh = envelopes('job-a', 1, 1);
      rightOf(await store.importEvents([...known, ...fresh]));
      rightOf(await store.importEvents(known));
      assert.deepEqual(seen, [[fresh[0]!.id]]);
    }),
  );

  it(
    'rolls back an import and its placement upgrades when a hook throws',
    withStore(async ({ store, onAppend }) => {
      const pending = envelopes('job-a', 1);
      rightOf(await store.append(pending, { tape: TAPE_A, state: 'pending' }));
      onAppend(() => {
        throw new Error('projection bug');
      });
      const records = [...pending, envelope('job-b', 1)];
      await assert.rejects(async () => await store.importEvents(records, { tape: TAPE_A, state: 'written', seqs: [1, 2] }), /projection bug/);
      assert.deepEqual((await store.pendingFor(TAPE_A)).map((e) => e.id), [pending[0]!.id]);
      assert.equal(await store.lastPosition(), 1);
    }),
  );
};

const durabilityTests = (open: () => Promise<StoreUnderTest>): void => {
  it('still holds every event, version and placement when reopened', async (t) => {
    const { store, reopen, close } = await open();
    try {
      if (reopen === undefined) return t.skip('this store does not outlive its process');
      const written = rightOf(await store.append(envelopes('tape-000001L5', 2), { tape: TAPE_A, state: 'written', seqs: [1, 2] }));
      const pending = rightOf(await store.append(envelopes('job-a', 1), { tape: TAPE_A, state: 'pending' }));
      const placed = await store.tapeEvents(TAPE_A);
      const again = await reopen();
      assert.equal(await again.lastPosition(), 3);
      assert.equal(await again.streamVersion('tape-000001L5'), 2);
      assert.deepEqual((await collect(again.readAll(0, 2))).flat(), [...written, ...pending]);
      assert.deepEqual(await again.tapeEvents(TAPE_A), placed);
      assert.deepEqual(await again.pendingFor(TAPE_A), pending);
      const [next] = rightOf(await again.append(envelopes('job-a', 1, 1)));
      assert.equal(next!.position, 4);
    } finally {
      await close();
    }
  });
};

const propertyTests = (open: () => Promise<StoreUnderTest>): void => {
  const STREAMS = ['job-a', 'job-b', 'tape-000001L5', 'label-x'];
  /** Appends as batches of stream picks; each pick is the stream's next event. */
  const appends = fc.array(fc.array(fc.integer({ min: 0, max: STREAMS.length - 1 }), { minLength: 1, maxLength: 5 }), {
    maxLength: 12,
  });

  it('reads back any interleaving of appends in order, through readAll and per stream', async () => {
    await fc.assert(
      fc.asyncProperty(appends, fc.integer({ min: 1, max: 7 }), async (batches, batchSize) => {
          const s = await open();
          try {
            const versions = new Map<string, number>();
            const expected: StoredEvent[] = [];
            for (const picks of batches) {
              const batch = picks.map((i) => {
                const stream = STREAMS[i]!;
                const version = (versions.get(stream) ?? 0) + 1;
                versions.set(stream, version);
                return envelope(stream, version);
              });
              rightOf(await s.store.append(batch));
              expected.push(...batch.map((e, i) => storedAs(e, expected.length + i + 1)));
            }
            assert.deepEqual((await collect(s.store.readAll(0, batchSize))).flat(), expected);
            for (const stream of STREAMS) {
              assert.deepEqual(await s.store.readStream(stream), expected.filter((e) => e.stream === stream));
              assert.equal(await s.store.streamVersion(stream), versions.get(stream) ?? 0);
            }
          } finally {
            await s.close();
          }
        }),
        { numRuns: 30 },
      );
  });
};
