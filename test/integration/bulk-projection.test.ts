import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { envelopesFor } from '../../application/recording';
import type { EventEnvelope } from '../../domain/envelope';
import type { ArchivedEntry, DomainEvent } from '../../domain/events';
import { JobId, VolumeUuid } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';
import { checkCatalog } from '../../projections/check';
import { filesProjection, splitPath } from '../../projections/files';
import { sql, type Projection, type Statement } from '../../projections/projection';
import { PROJECTIONS } from '../../projections/registry';
import { testApp, type TestApp } from '../support/app';
import { decodeOrThrow, uuid7 } from '../support/events';

/**
 * The files projection as it was before its entries went many to a statement: one INSERT
 * per entry, its folder and the job's ordinal found by subqueries. The oracle a catalog
 * built by the bulk path (a recovery's import) must equal, row for row and id for id.
 */
const TAPE_OF_JOB = '(SELECT tape FROM file_jobs WHERE job = ?)';
const oneInsertPerEntry = (job: string, segment: number, entries: readonly ArchivedEntry[]): Statement[] => {
  const dirs = [...new Set(entries.map((e) => splitPath(e.path)[0]))];
  return [
    ...dirs.map((dir) => sql(`INSERT OR IGNORE INTO dirs (tape, path) VALUES (${TAPE_OF_JOB}, ?)`, job, dir)),
    ...entries.map((e) => {
      const [dir, name] = splitPath(e.path);
      const meta = { uname: e.uname, gname: e.gname, xattrs: e.xattrs, link: e.link, sparse: e.sparse };
      const metaJson = Object.values(meta).every((v) => v === undefined) ? null : JSON.stringify(meta);
      return sql(
        `INSERT INTO entries (dir_id, name, job, ordinal, kind, size, mtime_ns, mode, segment, offset, sha256, target, uid, gid, ctime_ns, inode, meta)
         VALUES ((SELECT id FROM dirs WHERE tape = ${TAPE_OF_JOB} AND path = ?), ?, ?, (SELECT ordinal FROM file_jobs WHERE job = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        job, dir, name, job, job, e.kind, e.size, e.mtimeNs, e.mode, segment, e.offset ?? null, e.sha256 ?? null,
        e.target ?? null, e.uid ?? null, e.gid ?? null, e.ctimeNs ?? null, e.inode ?? null, metaJson,
      );
    }),
  ];
};

const eventByEvent: Projection = {
  ...filesProjection,
  project: (event, stored) =>
    event.type === 'FilesArchived' ? oneInsertPerEntry(event.data.job, event.data.segment, event.data.entries) : filesProjection.project(event, stored),
};

const HASH = 'c'.repeat(64);

/** Entry `i` of a job: files, folders, symlinks, hard links, sparse files, pieces of split files, with and without owner names and attributes. */
const entry = (i: number, generation: number): ArchivedEntry => {
  const path = i % 97 === 0 ? `/top-${i}` : `/data/d${i % 13}/sub${i % 5}/name-${i}${i % 7 === 0 ? '.DNG' : '.txt'}`;
  const common = { path, size: (i * 37) % 5000, mtimeNs: String(1_700_000_000_000_000_000n + BigInt(i * 1000 + generation)), mode: 0o644 };
  switch (i % 6) {
    case 0:
      return { ...common, kind: 'dir', size: 0, mode: 0o755, uid: 1000, gid: 1000, uname: 'ann', gname: 'staff' };
    case 1:
      return { ...common, kind: 'symlink', size: 0, target: `../elsewhere/${i}`, uid: 0, gid: 0 };
    case 2:
      return { ...common, kind: 'file', offset: 512 * i, sha256: HASH, link: `/data/d0/sub0/name-${i - 2}.txt`, ctimeNs: common.mtimeNs, inode: String(i) };
    case 3:
      return { ...common, kind: 'file', offset: 512 * i, sha256: HASH, sparse: [[0, 512], [4096, 100]], xattrs: JSON.stringify([['user.k', 'dg==']]) };
    case 4:
      return { ...common, kind: 'file', offset: 512 * i, sha256: HASH, extent: { offset: 0, fileSize: 10_000 } };
    default:
      return { ...common, kind: 'file', offset: 512 * i, uid: 1000, gid: 1000, uname: 'ann', gname: 'staff', ctimeNs: common.mtimeNs, inode: String(i) };
  }
};

const entries = (from: number, count: number, generation: number): ArchivedEntry[] => Array.from({ length: count }, (_, k) => entry(from + k, generation));

/** A tape, a full backup of three segments and an incremental one that deletes, rewrites and loses a segment of the first. */
const history = (): { stream: string; events: DomainEvent[] }[] => {
  const tape = decodeOrThrow(TapeId, '000001L8');
  const full = decodeOrThrow(JobId, uuid7(1));
  const incremental = decodeOrThrow(JobId, uuid7(2));
  const segment = (job: JobId, n: number, list: ArchivedEntry[]): DomainEvent[] => [
    { type: 'FilesArchived', data: { job, segment: n, entries: list } },
    { type: 'SegmentClosed', data: { job, segment: n, bytes: 1000 * n, sha256: HASH, entries: list.length } },
  ];
  return [
    {
      stream: `tape-${tape}`,
      events: [
        {
          type: 'TapeInitialised',
          data: { tape, generation: 'L8', capacityBytes: 12e12, description: '', volumeUuid: decodeOrThrow(VolumeUuid, uuid7(100)), format: 'lto-archive/1', encrypted: false, job: full },
        },
      ],
    },
    {
      stream: `job-${full}`,
      events: [
        { type: 'JobStarted', data: { job: full, tape, type: 'BACKUP', encrypted: false } },
        ...segment(full, 1, entries(1, 1500, 1)),
        ...segment(full, 2, entries(1501, 700, 1)),
        // A segment of 33 entries and one of 1: row counts that are not powers of two.
        ...segment(full, 3, entries(2201, 33, 1)),
        ...segment(full, 4, entries(2234, 1, 1)),
        { type: 'JobCompleted', data: { job: full, files: 2234, bytesRead: 0, bytesWritten: 0, warnings: 0 } },
      ],
    },
    {
      stream: `job-${incremental}`,
      events: [
        { type: 'JobStarted', data: { job: incremental, tape, type: 'BACKUP', encrypted: false, mode: 'INCREMENTAL' } },
        // New versions of some, new folders for others.
        ...segment(incremental, 1, [...entries(1, 400, 2), ...entries(5000, 600, 2)]),
        { type: 'FilesDeleted', data: { job: incremental, paths: entries(401, 300, 1).map((e) => e.path) } },
        { type: 'JobWarned', data: { job: incremental, warnings: [{ path: '/data/d1/x', reason: 'unreadable' }] } },
        { type: 'SegmentsLost', data: { job: full, segments: [2], reason: 'rolled back', detectedAt: '2026-12-01T00:00:00.000Z' } },
      ],
    },
  ];
};

/** The events as a recovery imports them: written on the tape, in journal order, a few per batch. */
const importAll = async (t: TestApp): Promise<void> => {
  const envelopes: EventEnvelope[] = [];
  for (const { stream, events } of history()) {
    // SegmentsLost is the full job's event, whatever part of the history it is told in.
    const byStream = new Map<string, DomainEvent[]>();
    for (const e of events) {
      const s = e.type === 'SegmentsLost' ? `job-${e.data.job}` : stream;
      byStream.set(s, [...(byStream.get(s) ?? []), e]);
    }
    for (const [s, list] of byStream) envelopes.push(...envelopesFor(t.app, s, envelopes.filter((x) => x.stream === s).length, list));
  }
  for (let i = 0; i < envelopes.length; i += 3) {
    const batch = envelopes.slice(i, i + 3);
    const imported = await t.app.store.importEvents(batch, { tape: decodeOrThrow(TapeId, '000001L8'), state: 'written', seqs: batch.map((_, k) => i + k + 1) });
    assert.ok(E.isRight(imported), JSON.stringify(imported));
  }
};

describe('projecting entries many to a statement', () => {
  it('a catalog a recovery imports in bulk equals one built event by event with one INSERT per entry, and a replay of every projection', async () => {
    const t = await testApp();
    try {
      await t.runner.withIndexesDeferred(async () => importAll(t));
      const rows = t.db.prepare('SELECT count(*) FROM entries').pluck().get();
      assert.equal(rows, 2234 - 700 + 1000 + 300, 'every entry but the lost segment\'s, and a row per deletion');

      const oracle = await checkCatalog(t.db, t.app.store, [eventByEvent], t.tapeHistory);
      assert.deepEqual(oracle.differences, []);
      const replay = await checkCatalog(t.db, t.app.store, PROJECTIONS, t.tapeHistory);
      assert.deepEqual(replay.differences, []);
      assert.equal(t.db.pragma('synchronous', { simple: true }), 2, 'the durability is set back after the bulk import');
    } finally {
      t.close();
    }
  });
});
