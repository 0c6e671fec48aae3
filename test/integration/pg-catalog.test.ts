import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import type { Pool } from 'pg';
import { addTape } from '../../application/add-tape';
import { runBackup } from '../../application/backup/run-backup';
import { addTapeToSet, createSet } from '../../application/sets';
import { changeTapeLabel, createLabel } from '../../application/tags';
import { testApp, type TestApp } from '../support/app';
import { envelopesFor } from '../../application/recording';
import type { DomainEvent } from '../../domain/events';
import { JobId, VolumeUuid } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';
import { decodeOrThrow, sampleLabel, uuid7 } from '../support/events';
import { openPgCatalog } from '../../projections/postgres/catalog';
import { assertSameAnswers, asyncHistory, asyncSource, pgTwin } from '../support/pg-catalog-twin';
import { postgresSkipReason, scratchPools, startPostgres, type PostgresServer } from '../support/postgres';

const TAPE_A = '000001L9';
const TAPE_B = '000002L9';
const TAPE_C = '000003L9';

const write = (root: string, rel: string, content: string, seconds: number): void => {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.utimesSync(file, seconds, seconds);
};

/** Two tapes in a set, labelled; a full backup, changes (one deleted, one changed, one new), an incremental; a backup on the other tape. */
const history = async (t: TestApp): Promise<void> => {
  const src = t.mountPoint('src');
  write(src, 'photos/IMG_0001.DNG', 'raw one', 1_700_000_000);
  write(src, 'photos/IMG_0002.dng', 'raw two', 1_700_000_001);
  write(src, 'docs/notes.txt', 'hello', 1_700_000_002);
  write(src, 'docs/deep/er/a.txt', 'a', 1_700_000_003);
  write(src, 'Été/ça.txt', 'accents', 1_700_000_004);
  fs.mkdirSync(path.join(src, 'empty'));
  // Names PostgreSQL text cannot hold as they are: bytes that are not UTF-8 (a NUL escape in the catalog), and U+0001.
  fs.writeFileSync(Buffer.concat([Buffer.from(path.join(src, 'photos/bad-')), Buffer.from([0xff, 0xfe]), Buffer.from('.dng')]), 'latin-1 name');
  write(src, 'docs/odd\u0001name.txt', 'control character', 1_700_000_005);
  const mounts: Record<string, string> = { [TAPE_A]: t.mountPoint('a'), [TAPE_B]: t.mountPoint('b') };
  for (const [barcode, mount] of Object.entries(mounts)) {
    assert.ok(E.isRight(await addTape(t.app, { barcode, mount, description: `tape ${barcode}`, generation: undefined })));
  }
  assert.ok(E.isRight(await createSet(t.app, 'photos', '2', 'two copies')));
  assert.ok(E.isRight(await addTapeToSet(t.app, 'photos', TAPE_A, mounts[TAPE_A])));
  assert.ok(E.isRight(await createLabel(t.app, 'offsite', '#ff8800')));
  assert.ok(E.isRight(await changeTapeLabel(t.app, 'assign', TAPE_A, 'offsite', undefined)));
  const backup = async (tape: string, incremental: boolean) => {
    const r = await runBackup(t.app, { tape, sources: [src], incremental, excludes: [], checksum: false, dryRun: false, mount: mounts[tape]!, segmentTargetBytes: 4096 });
    assert.ok(E.isRight(r) && r.right.status === 'SUCCESS', JSON.stringify(r));
  };
  await backup(TAPE_A, false);
  fs.rmSync(path.join(src, 'docs/notes.txt'));
  write(src, 'photos/IMG_0002.dng', 'raw two, edited', 1_700_000_100);
  write(src, 'photos/IMG_0003.DNG', 'raw three', 1_700_000_101);
  await backup(TAPE_A, true);
  await backup(TAPE_B, false);
  // A segment lost to an index rollback; a tape forgotten and read back (its rows projected again from its history).
  const full = (await t.app.catalog.jobs({ tape: TAPE_A })).find((j) => j.type === 'BACKUP')!;
  await record(t, TAPE_A, `job-${full.id}`, [{ type: 'SegmentsLost', data: { job: decodeOrThrow(JobId, full.id), segments: [1, 99], reason: 'rolled back', detectedAt: '2026-12-01T00:00:00.000Z' } }]);
  const b = decodeOrThrow(TapeId, TAPE_B);
  await record(t, TAPE_B, `catalog-${TAPE_B}`, [{ type: 'TapeForgotten', data: { tape: b } }]);
  await record(t, TAPE_B, `catalog-${TAPE_B}`, [{ type: 'TapeRecalled', data: { tape: b } }]);
  // An encrypted tape, as its events say (sealed names stand in): its names stay out of the name index on both.
  const c = decodeOrThrow(TapeId, TAPE_C);
  const job = decodeOrThrow(JobId, uuid7(77));
  await record(t, TAPE_C, `tape-${TAPE_C}`, [
    { type: 'TapeInitialised', data: { tape: c, generation: 'L9', capacityBytes: 18e12, description: 'sealed', volumeUuid: decodeOrThrow(VolumeUuid, uuid7(78)), format: 'lto-archive/1', encrypted: true, job } },
  ]);
  await record(t, TAPE_C, `job-${job}`, [
    { type: 'JobStarted', data: { job, tape: c, type: 'BACKUP', encrypted: true } },
    { type: 'FilesArchived', data: { job, segment: 1, entries: [{ path: '/enc:a/enc:gnd.b', kind: 'file', size: 10, mtimeNs: '1', mode: 420, offset: 512 }] } },
  ]);
};

const record = async (t: TestApp, tape: string, stream: string, events: DomainEvent[]): Promise<void> => {
  const stored = await t.app.store.append(envelopesFor(t.app, stream, await t.app.store.streamVersion(stream), events), { tape: decodeOrThrow(TapeId, tape), state: 'local' });
  assert.ok(E.isRight(stored), JSON.stringify(stored));
};

describe('the catalog on PostgreSQL', { skip: postgresSkipReason() ?? false }, () => {
  let server: PostgresServer;
  let pools: ReturnType<typeof scratchPools>;
  before(async () => {
    server = await startPostgres();
    pools = scratchPools(server);
  });
  after(async () => {
    await pools.end();
    await server.stop();
  });

  it('answers every read port as the SQLite catalog does, built from the same events', async () => {
    const t = await testApp();
    try {
      await history(t);
      const pool: Pool = await pools.pool();
      const pg = await pgTwin(pool, t.app.store);
      assert.ok((await pg.catalog.tapes()).length === 3, 'every tape is in the PostgreSQL catalog');
      await assertSameAnswers(t.app.catalog, pg.catalog);
    } finally {
      t.close();
    }
  });

  it('passes its catalog check, notices a drifted row, and a rebuild brings it back equal', async () => {
    const t = await testApp();
    try {
      await history(t);
      const pool = await pools.pool();
      // Appends rolled back after their projections ran: identity values taken and never used.
      await openPgCatalog(pool, asyncSource(t.app.store));
      for (const table of ['dirs', 'entries', 'search_names', 'search_segments', 'job_warnings']) {
        await pool.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), 1000)`);
      }
      const pg = await pgTwin(pool, t.app.store);
      assert.ok(Number((await pool.query('SELECT min(id) AS id FROM dirs')).rows[0].id) > 1000, 'live ids come after the gap');
      const check = await pg.catalog.check();
      assert.deepEqual(check.differences, []);
      assert.equal(check.events, await t.app.store.lastPosition());
      assert.ok(check.tables.find((x) => x.table === 'entries')!.rows > 5);

      await pool.query('UPDATE jobs SET files = 99');
      assert.deepEqual((await pg.catalog.check()).differences.map((d) => d.table), ['jobs']);

      await pg.runner.rebuild({ readAll: (f, b) => t.app.store.readAll(f, b), lastPosition: () => t.app.store.lastPosition() });
      assert.deepEqual((await pg.catalog.check()).differences, []);
      await assertSameAnswers(t.app.catalog, pg.catalog);
    } finally {
      t.close();
    }
  });

  it("serves a job's working tables (baseline, scan's gone paths, restore selection) from a local copy of the tape, as SQLite does", async () => {
    const t = await testApp();
    try {
      await history(t);
      const pg = await pgTwin(await pools.pool(), t.app.store);
      const jobs = (await t.app.catalog.jobs({ tape: TAPE_A })).filter((j) => j.type === 'BACKUP');
      const paths = (await t.app.catalog.tapeContents(TAPE_A)).versions.map((line) => {
        const [dir, name]: unknown[] = JSON.parse(line);
        return dir === '/' ? `/${String(name)}` : `${String(dir)}/${String(name)}`;
      });
      assert.ok(paths.length > 5);
      for (const tapes of [undefined, [TAPE_A, TAPE_B]]) {
        const sqlite = await t.app.catalog.baseline(TAPE_A, tapes);
        const shared = await pg.catalog.baseline(TAPE_A, tapes);
        for (const p of [...paths, '/never/archived']) assert.deepEqual(shared.latest(p), sqlite.latest(p), p);

        const sqliteScan = await t.app.catalog.scanTable();
        sqliteScan.finishFill();
        const sqliteGone = await sqliteScan.findGone(TAPE_A, ['/'], tapes);
        const sqliteGonePaths = [...sqliteScan.gone()];
        const pgScan = await pg.catalog.scanTable();
        pgScan.finishFill();
        assert.equal(await pgScan.findGone(TAPE_A, ['/'], tapes), sqliteGone);
        assert.deepEqual([...pgScan.gone()], sqliteGonePaths);
        assert.ok(sqliteGone > 3, 'an empty scan finds the tape\'s paths gone');
      }
      for (const job of jobs) {
        const sqlite = await t.app.catalog.restoreSelection();
        const shared = await pg.catalog.restoreSelection();
        const clear = { tryOpen: (p: string) => p };
        assert.equal(await shared.select(TAPE_A, job.ordinal, [], clear), await sqlite.select(TAPE_A, job.ordinal, [], clear));
        sqlite.settle();
        shared.settle();
        assert.deepEqual(shared.totals(), sqlite.totals());
        for (const kind of ['file', 'dir', 'symlink'] as const) assert.deepEqual([...shared.ofKind(kind, 'tape')], [...sqlite.ofKind(kind, 'tape')], kind);
      }
    } finally {
      t.close();
    }
  });

  it('keeps journal cursors and contact memos in the shared catalog, as the SQLite catalog keeps them', async () => {
    const t = await testApp();
    try {
      const pg = await pgTwin(await pools.pool(), t.app.store);
      const cursor = { byteOffset: 5_000_000_000, line: 12, head: { seq: 11, hash: 'ab'.repeat(32) }, headLength: 300 };
      for (const cursors of [t.app.cursors, pg.cursors]) {
        await cursors.save(TAPE_A, 'volume-1', cursor);
        assert.deepEqual(await cursors.get(TAPE_A, 'volume-1'), cursor);
        assert.equal(await cursors.get(TAPE_A, 'volume-2'), undefined, 'kept per volume');
        await cursors.save(TAPE_A, 'volume-1', undefined);
        assert.equal(await cursors.get(TAPE_A, 'volume-1'), undefined);
      }
      const memo = {
        ltfsVolumeUuid: 'ltfs-1', indexGeneration: 7, indexTime: '2026-12-08T03:00:00.123456789Z', label: sampleLabel(),
        labelHash: 'cd'.repeat(32), labelStamp: '120:1765162800', journalStamp: '4096:1765162801', head: { seq: 3, hash: 'ef'.repeat(32) },
      };
      for (const contacts of [t.app.contacts, pg.contacts]) {
        await contacts.save(memo);
        await contacts.save({ ...memo, indexGeneration: 8 });
        assert.deepEqual(await contacts.get('ltfs-1'), { ...memo, indexGeneration: 8 });
        await contacts.forget('ltfs-1');
        assert.equal(await contacts.get('ltfs-1'), undefined);
      }
    } finally {
      t.close();
    }
  });

  it('catches up each projection from its own checkpoint, rebuilds tables of another shape, and opens safely from two hosts at once', async () => {
    const t = await testApp();
    try {
      await history(t);
      const pool = await pools.pool();
      const source = asyncSource(t.app.store);
      const trail = asyncHistory(t.app.store);
      // Two hosts opening an empty shared catalog at once: one makes the tables, the other finds them.
      const [first] = await Promise.all([openPgCatalog(pool, source, trail), openPgCatalog(pool, source, trail)]);
      assert.equal(await first.runner.catchUp(source), await t.app.store.lastPosition());
      assert.deepEqual((await first.catalog.check()).differences, []);

      // A projection behind the others (a newer version added it): replayed alone, from the start.
      await pool.query('DELETE FROM tape_labels');
      await pool.query("UPDATE projection_checkpoints SET position = 0 WHERE name = 'labels'");
      assert.equal(await first.runner.catchUp(source), await t.app.store.lastPosition());
      assert.deepEqual(await first.catalog.labels.byTape(), await t.app.catalog.labels.byTape());
      assert.equal(await first.runner.catchUp(source), 0, 'nothing left to catch up');

      // Tables of another shape (another version's fingerprint): dropped on open, built again by catch-up.
      await pool.query("UPDATE projection_schema SET fingerprint = 'another version'");
      const reopened = await openPgCatalog(pool, source, trail);
      assert.deepEqual(await reopened.catalog.tapes(), []);
      await reopened.runner.catchUp(source);
      assert.deepEqual((await reopened.catalog.check()).differences, []);
      await assertSameAnswers(t.app.catalog, reopened.catalog);
    } finally {
      t.close();
    }
  });
});
