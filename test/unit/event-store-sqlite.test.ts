import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/Either';
import { take } from 'rxjs';
import {
  EVENT_STORE_SCHEMA_VERSION,
  NewerSchemaError,
  SqliteEventStore,
  migrateEventStore,
} from '../../infrastructure/event-store/sqlite-event-store';
import { CorruptEventRowError } from '../../infrastructure/event-store/store-errors';
import { TAPE_A, envelope, envelopes } from '../support/store-fixtures';

const count = (db: Database.Database, table: string): unknown => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();

const withFile = (test: (file: string) => void): void => {
  const dir = mkdtempSync(join(tmpdir(), 'lto-sqlite-store-'));
  try {
    test(join(dir, 'catalog.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('SqliteEventStore schema', () => {
  it('creates its tables once and records its schema version under its own component', () => {
    const db = new Database(':memory:');
    migrateEventStore(db);
    migrateEventStore(db);
    new SqliteEventStore(db);
    const rows = db.prepare('SELECT component, version FROM schema_migrations').all();
    assert.deepEqual(rows, [{ component: 'event-store', version: EVENT_STORE_SCHEMA_VERSION }]);
    assert.equal(count(db, 'events'), 0);
    assert.equal(count(db, 'tape_events'), 0);
    db.close();
  });

  it('refuses a database whose event store schema is newer than this program', () => {
    const db = new Database(':memory:');
    migrateEventStore(db);
    db.prepare("UPDATE schema_migrations SET version = 99 WHERE component = 'event-store'").run();
    assert.throws(() => new SqliteEventStore(db), NewerSchemaError);
    db.close();
  });

  it('leaves the user_version pragma to others sharing the file', () => {
    const db = new Database(':memory:');
    new SqliteEventStore(db);
    assert.equal(db.pragma('user_version', { simple: true }), 0);
    db.close();
  });

  it('runs a file database in WAL mode with synchronous FULL', () =>
    withFile((file) => {
      const db = new Database(file);
      new SqliteEventStore(db);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2);
      db.close();
    }));

  it('refuses a placement row that breaks the seq-iff-written rule', async () => {
    const db = new Database(':memory:');
    const store = new SqliteEventStore(db);
    assert.ok(E.isRight(await store.append([envelope('job-a', 1)])));
    const insert = db.prepare('INSERT INTO tape_events (tape, position, seq, state) VALUES (?, 1, ?, ?)');
    assert.throws(() => insert.run(TAPE_A, null, 'written'), /CHECK/);
    assert.throws(() => insert.run(TAPE_A, 3, 'pending'), /CHECK/);
    db.close();
  });
});

describe('SqliteEventStore transactions', () => {
  const withProjection = () => {
    const db = new Database(':memory:');
    const store = new SqliteEventStore(db, { now: () => new Date('2026-11-26T12:00:00.000Z') });
    db.exec('CREATE TABLE seen (position INTEGER PRIMARY KEY)');
    const project = db.prepare('INSERT INTO seen (position) VALUES (?)');
    store.onAppend((events) => events.forEach((e) => project.run(e.position)));
    return { db, store };
  };

  it('commits a hook’s projection rows with the events and their placement', async () => {
    const { db, store } = withProjection();
    assert.ok(E.isRight(await store.append(envelopes('job-a', 2), { tape: TAPE_A, state: 'pending' })));
    assert.deepEqual([count(db, 'events'), count(db, 'tape_events'), count(db, 'seen')], [2, 2, 2]);
    db.close();
  });

  it('rolls back projection rows, events and placement rows when a later hook throws', async () => {
    const { db, store } = withProjection();
    store.onAppend(() => {
      throw new Error('projection bug');
    });
    await assert.rejects(store.append(envelopes('job-a', 2), { tape: TAPE_A, state: 'written', seqs: [1, 2] }), /projection bug/);
    assert.deepEqual([count(db, 'events'), count(db, 'tape_events'), count(db, 'seen')], [0, 0, 0]);
    assert.equal(db.inTransaction, false);
    db.close();
  });

  it('joins a transaction the caller already has open, and rolls back with it', () => {
    const { db, store } = withProjection();
    const outer = db.transaction(() => {
      // The SQLite store works synchronously: its append is done, inside this transaction, when its Promise is returned.
      void store.append(envelopes('job-a', 1));
      assert.equal(count(db, 'events'), 1);
      throw new Error('caller gives up');
    });
    assert.throws(() => outer(), /caller gives up/);
    assert.equal(count(db, 'events'), 0);
    db.close();
  });

  it('stamps recorded_at from the injected clock', async () => {
    const { db, store } = withProjection();
    assert.ok(E.isRight(await store.append(envelopes('job-a', 1))));
    assert.equal(db.prepare('SELECT recorded_at FROM events').pluck().get(), '2026-11-26T12:00:00.000Z');
    db.close();
  });
});

describe('SqliteEventStore reads', () => {
  it('throws on a corrupt row, naming its position', async () => {
    const db = new Database(':memory:');
    const store = new SqliteEventStore(db);
    assert.ok(E.isRight(await store.append(envelopes('job-a', 3))));
    db.prepare("UPDATE events SET data = '{not json' WHERE position = 2").run();
    await assert.rejects(
      store.readStream('job-a'),
      (error: unknown) => error instanceof CorruptEventRowError && error.position === 2 && /position 2/.test(error.message),
    );
    let failure: unknown;
    store.readAll(0, 10).subscribe({ error: (e: unknown) => (failure = e) });
    assert.ok(failure instanceof CorruptEventRowError);
    db.close();
  });

  it('throws on a row whose id is not an event id', async () => {
    const db = new Database(':memory:');
    const store = new SqliteEventStore(db);
    assert.ok(E.isRight(await store.append(envelopes('job-a', 1))));
    db.prepare("UPDATE events SET id = 'NOT-A-UUID' WHERE position = 1").run();
    await assert.rejects(store.readStream('job-a'), /position 1 is corrupt: id/);
    db.close();
  });

  it('queries no further batch once the subscriber unsubscribes', async () => {
    const reads: string[] = [];
    const db = new Database(':memory:', {
      verbose: (sql) => {
        if (typeof sql === 'string' && sql.includes('WHERE position >')) reads.push(sql);
      },
    });
    const store = new SqliteEventStore(db);
    assert.ok(E.isRight(await store.append(envelopes('job-a', 10))));
    store.readAll(0, 2).pipe(take(1)).subscribe();
    assert.equal(reads.length, 1);
    db.close();
  });
});
