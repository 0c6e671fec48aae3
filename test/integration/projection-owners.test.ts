import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { envelopesFor } from '../../application/recording';
import { searchCatalog } from '../../application/search';
import type { DomainEvent } from '../../domain/events';
import { JobId, VolumeUuid } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';
import { checkCatalog } from '../../projections/check';
import { PROJECTIONS } from '../../projections/registry';
import { testApp, type TestApp } from '../support/app';
import { decodeOrThrow, uuid7 } from '../support/events';

const HASH = 'a'.repeat(64);

const record = async (t: TestApp, tape: TapeId, stream: string, events: DomainEvent[]): Promise<void> => {
  const stored = await t.app.store.append(envelopesFor(t.app, stream, await t.app.store.streamVersion(stream), events), { tape, state: 'local' });
  assert.ok(E.isRight(stored), JSON.stringify(stored));
};

const file = (path: string) => ({ path, kind: 'file' as const, size: 10, mtimeNs: '1700000000000000000', mode: 0o644, offset: 512 });

/** A tape and one backup job with these segments (names per segment, bytes per segment), as a backup appends them. */
const backup = async (t: TestApp, n: number, encrypted: boolean, segments: readonly { names: readonly string[]; bytes: number }[]) => {
  const tape = decodeOrThrow(TapeId, `00000${n}L8`);
  const job = decodeOrThrow(JobId, uuid7(n));
  await record(t, tape, `tape-${tape}`, [
    {
      type: 'TapeInitialised',
      data: { tape, generation: 'L8', capacityBytes: 12e12, description: '', volumeUuid: decodeOrThrow(VolumeUuid, uuid7(100 + n)), format: 'lto-archive/1', encrypted, job },
    },
  ]);
  await record(t, tape, `job-${job}`, [
    { type: 'JobStarted', data: { job, tape, type: 'BACKUP', encrypted } },
    ...segments.flatMap((s, i): DomainEvent[] => [
      { type: 'FilesArchived', data: { job, segment: i + 1, entries: s.names.map(file) } },
      { type: 'SegmentClosed', data: { job, segment: i + 1, bytes: s.bytes, sha256: HASH, entries: s.names.length } },
    ]),
  ]);
  return { tape, job };
};

describe('each projection owns its tables', () => {
  it('every projection replayed alone equals its live tables (it reads no other projection), and used space and the name index follow lost segments', async () => {
    const t = await testApp();
    try {
      const plain = await backup(t, 1, false, [
        { names: ['/p/a.dng', '/p/b.jpg'], bytes: 1000 },
        { names: ['/p/q/a.dng', '/p/c.txt'], bytes: 2000 },
      ]);
      await backup(t, 2, true, [{ names: ['/s/x.dng'], bytes: 500 }]);
      const gone = await backup(t, 3, false, [{ names: ['/g/a.dng'], bytes: 700 }]);
      await record(t, plain.tape, `job-${plain.job}`, [
        { type: 'SegmentsLost', data: { job: plain.job, segments: [2], reason: 'rolled back', detectedAt: '2026-12-01T00:00:00.000Z' } },
      ]);
      await record(t, gone.tape, `tape-${gone.tape}`, [{ type: 'TapeForgotten', data: { tape: gone.tape } }]);

      for (const projection of PROJECTIONS) {
        const alone = await checkCatalog(t.db, t.app.store, [projection], t.tapeHistory);
        assert.deepEqual(alone.differences, [], projection.name);
      }

      assert.equal((await t.app.catalog.tape('000001L8'))?.usedBytes, 1000, 'the lost segment no longer counts as used');
      assert.equal((await t.app.catalog.tape('000002L8'))?.usedBytes, 500);
      const dng = await searchCatalog(t.app, { pattern: '*.dng', limit: 10 });
      assert.ok(E.isRight(dng));
      assert.deepEqual(dng.right.hits.map((h) => [h.tape, h.path]), [['000001L8', '/p/a.dng']]);
      assert.equal(dng.right.total, 1, 'the version in the lost segment is no longer counted');
      const txt = await searchCatalog(t.app, { pattern: 'c.txt', limit: 10 });
      assert.ok(E.isRight(txt));
      assert.equal(txt.right.total, 0, 'a name none is left of leaves the index');
    } finally {
      t.close();
    }
  });
});
