import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { auditLog } from '../../application/audit';
import { envelopesFor } from '../../application/recording';
import { auditRecord } from '../../cli/commands/logs';
import { searchCatalog } from '../../application/search';
import type { DomainEvent } from '../../domain/events';
import { JobId, VolumeUuid } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';
import { testApp, type TestApp } from '../support/app';
import { decodeOrThrow, uuid7 } from '../support/events';

/** Stands in for name encryption: each component reversed and wrapped (what the key would undo). */
const lock = (path: string): string => path.split('/').map((c) => (c === '' ? c : `enc:${[...c].reverse().join('')}`)).join('/');
const unlock = (path: string): string => path.split('/').map((c) => (c.startsWith('enc:') ? [...c.slice(4)].reverse().join('') : c)).join('/');

const record = async (t: TestApp, tape: TapeId, stream: string, events: DomainEvent[]): Promise<void> => {
  const stored = await t.app.store.append(envelopesFor(t.app, stream, await t.app.store.streamVersion(stream), events), { tape, state: 'local' });
  assert.ok(E.isRight(stored));
};

/** A tape with one backup job holding these paths, written as the events a backup appends. */
const tapeWith = async (t: TestApp, n: number, encrypted: boolean, paths: readonly string[]): Promise<void> => {
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
    {
      type: 'FilesArchived',
      data: {
        job,
        segment: 1,
        entries: paths.map((p) => ({ path: encrypted ? lock(p) : p, kind: 'file' as const, size: 10, mtimeNs: '1700000000000000000', mode: 0o644, offset: 512 })),
      },
    },
  ]);
};

describe('search over plain and encrypted tapes', () => {
  it('skips an encrypted tape without a decoder and names it as locked; with one, matches its decoded names', async () => {
    const t = await testApp();
    try {
      await tapeWith(t, 1, false, ['/photos/a.dng', '/photos/b.jpg']);
      await tapeWith(t, 2, true, ['/secret/c.dng', '/secret/d.txt']);

      const locked = await searchCatalog(t.app, { pattern: '*.dng', limit: 100 });
      assert.ok(E.isRight(locked));
      assert.deepEqual(locked.right.hits.map((h) => [h.tape, h.path]), [['000001L8', '/photos/a.dng']]);
      assert.deepEqual(locked.right.lockedTapes, ['000002L8']);

      const unlocked = await searchCatalog(t.app, { pattern: '*.dng', limit: 100, nameDecoders: new Map([['000002L8', unlock]]) });
      assert.ok(E.isRight(unlocked));
      assert.deepEqual(unlocked.right.hits.map((h) => [h.tape, h.path, h.name]), [
        ['000001L8', '/photos/a.dng', 'a.dng'],
        ['000002L8', '/secret/c.dng', 'c.dng'],
      ]);
      assert.equal(unlocked.right.total, 2);
      assert.deepEqual(unlocked.right.lockedTapes, []);
    } finally {
      t.close();
    }
  });

  it("keeps an encrypted tape's stored names out of the name index", async () => {
    const t = await testApp();
    try {
      await tapeWith(t, 2, true, ['/secret/c.dng']);
      assert.equal(t.db.prepare('SELECT count(*) FROM search_names').pluck().get(), 0);
      const byCiphertext = await searchCatalog(t.app, { pattern: 'enc:', limit: 10 });
      assert.ok(E.isRight(byCiphertext));
      assert.equal(byCiphertext.right.total, 0);
    } finally {
      t.close();
    }
  });
});

describe('audit export of an encrypted tape', () => {
  it('shows its names locked without a decoder and decoded with one, never the stored tokens', async () => {
    const t = await testApp();
    try {
      await tapeWith(t, 2, true, ['/secret/c.dng']);
      const job = decodeOrThrow(JobId, uuid7(2));
      await record(t, decodeOrThrow(TapeId, '000002L8'), `job-${job}`, [{ type: 'JobWarned', data: { job, warnings: [{ path: lock('/secret/unreadable.txt'), reason: 'EACCES' }] } }]);
      const summaries = async (decoders?: ReadonlyMap<string, (p: string) => string>) => {
        const rows = await auditLog(t.app, { nameDecoders: decoders });
        assert.ok(E.isRight(rows));
        return rows.right.map((r) => auditRecord(r).summary).join('\n');
      };
      const locked = await summaries();
      assert.match(locked, /first: \(name locked\) \(EACCES\)/);
      assert.doesNotMatch(locked, /enc:/);
      assert.match(await summaries(new Map([['000002L8', unlock]])), /first: \/secret\/unreadable\.txt \(EACCES\)/);
    } finally {
      t.close();
    }
  });
});
