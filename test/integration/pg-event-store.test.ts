import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import pg from 'pg';
import type { StoredEvent } from '../../domain/envelope';
import { PgEventStore } from '../../infrastructure/event-store/pg-event-store';
import { NewerSchemaError } from '../../infrastructure/event-store/sqlite-schema';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../support/postgres';
import { collect, envelope, envelopes } from '../support/store-fixtures';

const skip = postgresSkipReason();
let server: PostgresServer | undefined;
before(async () => {
  if (skip === undefined) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const database = async (): Promise<string> => {
  if (server === undefined) throw new Error('no PostgreSQL server');
  return server.createDatabase();
};

/** A little random latency inside each append's transaction, so racing commits really interleave. */
const jitter = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 3));

describe('PgEventStore with several hosts', { skip: skip ?? false }, () => {
  it('two writers racing: a reader polling readAll from its last position sees every event once, in order, with no gap filled later', async () => {
    const url = await database();
    const writers = [await PgEventStore.open(url, { maxConnections: 6 }), await PgEventStore.open(url, { maxConnections: 6 })];
    const reader = await PgEventStore.open(url, { maxConnections: 1 });
    try {
      for (const w of writers) w.onAppend(jitter);
      const APPENDS = 120;
      let writing = true;
      const seen: StoredEvent[] = [];
      const poll = (async () => {
        for (;;) {
          const done = !writing;
          const from = seen.at(-1)?.position ?? 0;
          for (const batch of await collect(reader.readAll(from, 7))) seen.push(...batch);
          if (done) return;
        }
      })();
      const appendsOf = (w: PgEventStore, host: string) =>
        Promise.all(
          Array.from({ length: APPENDS }, async (_, i) => {
            const stream = `job-${host}-${i}`;
            const result = await w.append(envelopes(stream, 1 + (i % 3)));
            assert.ok(E.isRight(result));
          }),
        );
      try {
        await Promise.all([appendsOf(writers[0]!, 'a'), appendsOf(writers[1]!, 'b')]);
      } finally {
        writing = false;
        await poll;
      }
      const all = (await collect(reader.readAll(0, 1000))).flat();
      assert.equal(all.length, 2 * APPENDS * 2, 'every appended event is stored');
      assert.deepEqual(
        seen.map((e) => e.id),
        all.map((e) => e.id),
        'the poller saw exactly what is stored, in position order',
      );
      assert.deepEqual(
        all.map((e) => e.position),
        all.map((_, i) => i + 1),
        'positions are dense: nothing committed below a position already handed out',
      );
    } finally {
      for (const s of [...writers, reader]) await s.close();
    }
  });

  it('two hosts appending to one stream: one wins each version, the other gets a VersionConflict and retries', async () => {
    const url = await database();
    const hosts = [await PgEventStore.open(url), await PgEventStore.open(url)];
    try {
      let conflicts = 0;
      const appendNext = async (store: PgEventStore): Promise<void> => {
        for (;;) {
          const version = (await store.streamVersion('label-shared')) + 1;
          const result = await store.append([envelope('label-shared', version)]);
          if (E.isRight(result)) return;
          assert.equal(result.left._tag, 'VersionConflict');
          conflicts += 1;
        }
      };
      await Promise.all(hosts.flatMap((h) => Array.from({ length: 20 }, () => appendNext(h))));
      const stream = await hosts[0]!.readStream('label-shared');
      assert.deepEqual(
        stream.map((e) => e.version),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.ok(conflicts > 0, 'the race produced conflicts (else this test proves nothing)');
    } finally {
      for (const s of hosts) await s.close();
    }
  });

  it('a writer that bypasses the append lock: the unique (stream, version) constraint turns the race into a VersionConflict', async () => {
    const url = await database();
    const store = await PgEventStore.open(url);
    const rogue = new pg.Client({ connectionString: url });
    await rogue.connect();
    try {
      const theirs = envelope('job-a', 1);
      await rogue.query('BEGIN');
      await rogue.query(
        `INSERT INTO events (position, id, stream, version, type, schema, at, data, recorded_at)
         VALUES (100, $1, 'job-a', 1, 'TestHappened', 1, $2, '{}', now())`,
        [theirs.id, theirs.at],
      );
      // Our append does not see the uncommitted row, inserts the same version and waits on the unique index.
      const ours = store.append([envelope('job-a', 1)]);
      // Polled from a client outside any transaction: inside one, pg_stat_activity is a snapshot.
      const watcher = new pg.Client({ connectionString: url });
      await watcher.connect();
      for (;;) {
        const { rows } = await watcher.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        if (rows[0]?.n === 1) break;
      }
      await watcher.end();
      await rogue.query('COMMIT');
      assert.deepEqual(await ours, E.left({ _tag: 'VersionConflict', stream: 'job-a', expected: 0, actual: 1 }));
      assert.deepEqual((await store.readStream('job-a')).map((e) => e.id), [theirs.id]);
    } finally {
      await rogue.end();
      await store.close();
    }
  });

  it('a writer killed mid-transaction leaves nothing, and its lock goes with it', async () => {
    const url = await database();
    const store = await PgEventStore.open(url);
    try {
      const child = spawn(process.execPath, [join(__dirname, '..', 'support', 'pg-stuck-writer.js'), url], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString('utf8').includes('in-transaction')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the writer exited (${String(code)}) before its transaction was open`)));
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      // This append waits for the dead writer's lock, which PostgreSQL drops with its connection.
      const [mine] = E.getOrElseW(() => assert.fail('append refused'))(await store.append(envelopes('job-alive', 1)));
      assert.equal(mine!.position, 1, 'the killed writer used up no position');
      assert.equal(await store.streamVersion('job-killed'), 0);
      assert.deepEqual((await collect(store.readAll(0, 10))).flat(), [mine]);
    } finally {
      await store.close();
    }
  });

  it('two hosts migrating one new database at once both start, and migrate it once', async () => {
    const url = await database();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PgEventStore.open(url)));
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query('SELECT component, version::int AS version FROM schema_migrations');
      await client.end();
      assert.deepEqual(rows, [{ component: 'event-store', version: 1 }]);
      assert.ok(E.isRight(await stores[3]!.append(envelopes('job-a', 1))));
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('refuses a database written by a newer program, in one line, and leaves it alone', async () => {
    const url = await database();
    const store = await PgEventStore.open(url);
    await store.append(envelopes('job-a', 1));
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("UPDATE schema_migrations SET version = 99 WHERE component = 'event-store'");
      await assert.rejects(PgEventStore.open(url), (error: unknown) => {
        assert.ok(error instanceof NewerSchemaError);
        assert.equal(error.message, 'the event store schema is version 99; this program knows up to 1');
        return true;
      });
      const { rows } = await client.query('SELECT count(*)::int AS n FROM events');
      assert.deepEqual(rows, [{ n: 1 }]);
    } finally {
      await client.end();
    }
  });
});
