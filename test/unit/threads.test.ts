import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Condition } from '../../infrastructure/threads/condition';
import { InFlight } from '../../infrastructure/threads/in-flight';
import { Latch } from '../../infrastructure/threads/latch';
import { Mutex } from '../../infrastructure/threads/mutex';
import { SlotPool } from '../../infrastructure/threads/slot-pool';
import { row } from '../../infrastructure/threads/row';
import { WorkerClient } from '../../infrastructure/threads/worker-client';

const Echo = t.type({ echo: t.number });
type Echo = t.TypeOf<typeof Echo>;
const ECHO_WORKER = path.join(__dirname, '..', 'support', 'echo-worker.js');

/** A client of the echo worker whose messages and failures land in lists, with a way to wait for the next of each. */
const echoClient = (): { client: WorkerClient<Echo>; next: () => Promise<Echo>; failure: Promise<Error> } => {
  const answers: Array<(m: Echo) => void> = [];
  let failed: (e: Error) => void = () => undefined;
  const failure = new Promise<Error>((resolve) => (failed = resolve));
  const client = new WorkerClient<Echo>({
    name: 'the echo thread',
    file: ECHO_WORKER,
    workerData: undefined,
    messages: Echo,
    keepAlive: 'while-busy',
    onMessage: (m) => answers.shift()?.(m),
    onFailure: (e) => failed(e),
  });
  return { client, next: () => new Promise((resolve) => answers.push(resolve)), failure };
};

describe('WorkerClient', () => {
  it('delivers the messages that decode', async () => {
    const { client, next } = echoClient();
    client.hold();
    const answer = next();
    client.post({ echo: 7 });
    assert.deepEqual(await answer, { echo: 7 });
    client.release();
    await client.terminate();
    assert.equal(client.running, false);
  });

  it('fails once, naming the thread, when a message does not decode', async () => {
    const { client, failure } = echoClient();
    client.hold();
    client.post({ garbage: true });
    const error = await failure;
    assert.match(error.message, /^the echo thread sent a message that does not decode: .*not a number/);
    assert.equal(client.running, false);
    await client.terminate();
  });

  it('fails when the thread throws', async () => {
    const { client, failure } = echoClient();
    client.hold();
    client.post({ throw: true });
    assert.equal((await failure).message, 'asked to throw');
    await client.terminate();
  });

  it('fails when the thread exits without being told to', async () => {
    const { client, failure } = echoClient();
    client.hold();
    client.post({ exit: true });
    assert.equal((await failure).message, 'the echo thread exited (code 3)');
    await client.terminate();
  });

  it('does not call a terminated thread failed', async () => {
    let failures = 0;
    const client = new WorkerClient<Echo>({
      name: 'the echo thread',
      file: ECHO_WORKER,
      workerData: undefined,
      messages: Echo,
      keepAlive: 'always',
      onMessage: () => undefined,
      onFailure: () => failures++,
    });
    await client.terminate();
    await client.terminate();
    assert.equal(failures, 0);
  });
});

describe('Mutex', () => {
  it('lets one holder in at a time, in the order they came', async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    assert.equal(mutex.lock(), undefined);
    const second = mutex.lock()?.then(() => order.push('second'));
    const third = mutex.lock()?.then(() => order.push('third'));
    order.push('first');
    mutex.unlock();
    await second;
    assert.deepEqual(order, ['first', 'second']);
    mutex.unlock();
    await third;
    mutex.unlock();
    assert.deepEqual(order, ['first', 'second', 'third']);
    assert.equal(mutex.lock(), undefined);
  });
});

describe('Latch', () => {
  it('resolves idle() when the last piece of work leaves', async () => {
    const latch = new Latch();
    assert.equal(latch.idle(), undefined);
    latch.enter();
    latch.enter();
    let idle = false;
    const waited = latch.idle()?.then(() => (idle = true));
    latch.leave();
    await Promise.resolve();
    assert.equal(idle, false);
    latch.leave();
    await waited;
    assert.equal(idle, true);
  });
});

describe('Condition', () => {
  it('resolves a waiter at the first notify after its state holds', async () => {
    const condition = new Condition();
    let busy = true;
    let done = false;
    const waited = condition.until(() => !busy).then(() => (done = true));
    condition.notify();
    await Promise.resolve();
    assert.equal(done, false);
    busy = false;
    condition.notify();
    await waited;
    assert.equal(condition.waiting, false);
  });
});

describe('SlotPool', () => {
  it('hands out each slot once, queues callers when none is free, and ends them on failure', async () => {
    const pool = new SlotPool([0, 4096]);
    assert.equal(pool.acquire(), 0);
    assert.equal(pool.acquire(), 4096);
    const waiting = pool.acquire();
    assert.ok(waiting instanceof Promise);
    pool.release(0);
    assert.equal(await waiting, 0);
    const ended = pool.acquire();
    pool.fail();
    assert.equal(await ended, undefined);
    assert.equal(pool.acquire(), undefined);
  });
});

describe('row', () => {
  it('accepts exactly its columns, and says which row failed', () => {
    const Answer = row('Answer', t.number, t.string, t.boolean, t.string, t.string, t.string, t.array(t.number));
    assert.equal(Answer.is([1, 'a', true, '', '', '', [2]]), true);
    assert.equal(Answer.is([1, 'a', true, '', '', '', [2], 'extra']), false);
    assert.equal(Answer.is([1, 'a', 'true', '', '', '', [2]]), false);
    assert.equal(Answer.is({ 0: 1 }), false);
    assert.match(PathReporter.report(Answer.decode([1])).join(''), /Answer/);
  });
});

describe('InFlight', () => {
  it('counts tasks until they settle, and waits for one or for all', async () => {
    const inFlight = new InFlight();
    const ends: Array<() => void> = [];
    const task = (): Promise<void> => new Promise((resolve) => ends.push(resolve));
    inFlight.add(task());
    inFlight.add(task());
    assert.equal(inFlight.size, 2);
    const one = inFlight.any();
    ends[1]?.();
    await one;
    await Promise.resolve();
    assert.equal(inFlight.size, 1);
    let all = false;
    const waited = inFlight.all().then(() => (all = true));
    await Promise.resolve();
    assert.equal(all, false);
    ends[0]?.();
    await waited;
    assert.equal(inFlight.size, 0);
  });
});

describe('InFlight, a failed task', () => {
  it('rejects the any() waiting for it, and every later any() and all()', async () => {
    const inFlight = new InFlight();
    let fail: (error: Error) => void = () => undefined;
    inFlight.add(new Promise<void>((_, reject) => (fail = reject)));
    inFlight.add(new Promise<void>(() => undefined));
    const waiting = inFlight.any();
    fail(new Error('boom'));
    await assert.rejects(waiting, /boom/);
    assert.equal(inFlight.size, 1);
    await assert.rejects(inFlight.any(), /boom/);
  });

  it('is not lost when nobody waits: the next all() rejects with it', async () => {
    const inFlight = new InFlight();
    inFlight.add(Promise.reject(new Error('unseen')));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(inFlight.size, 0);
    await assert.rejects(inFlight.all(), /unseen/);
  });
});
