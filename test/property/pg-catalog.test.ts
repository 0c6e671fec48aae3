import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { runBackup } from '../../application/backup/run-backup';
import { changeTapeLabel, createLabel, deleteLabel } from '../../application/tags';
import { testApp } from '../support/app';
import { pgTwin } from '../support/pg-catalog-twin';
import { postgresSkipReason, scratchPools, startPostgres, type PostgresServer } from '../support/postgres';

type Step =
  | { kind: 'write'; file: number; content: string }
  | { kind: 'delete'; file: number }
  | { kind: 'backup'; tape: number; incremental: boolean }
  | { kind: 'label'; tape: number; assign: boolean }
  | { kind: 'unlabel-all' };

const NAMES = ['a.txt', 'b/c.DNG', 'b/d/e.txt', 'f g.dng', 'h/ü.txt', 'i/j/k/l.txt'];
const TAPES = ['000001L9', '000002L9'];

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), file: fc.nat(NAMES.length - 1), content: fc.string({ maxLength: 100 }) }),
  fc.record({ kind: fc.constant('delete' as const), file: fc.nat(NAMES.length - 1) }),
  fc.record({ kind: fc.constant('backup' as const), tape: fc.nat(TAPES.length - 1), incremental: fc.boolean() }),
  fc.record({ kind: fc.constant('label' as const), tape: fc.nat(TAPES.length - 1), assign: fc.boolean() }),
  fc.constant({ kind: 'unlabel-all' as const }),
);

describe('the catalog on PostgreSQL, property', { skip: postgresSkipReason() ?? false }, () => {
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

  it('after any sequence of backups, changes and labels, PostgreSQL holds each tape as SQLite does, and its check passes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const t = await testApp();
        try {
          const src = t.mountPoint('src');
          const mounts = TAPES.map((tape) => t.mountPoint(tape));
          for (const [i, barcode] of TAPES.entries()) assert.ok(E.isRight(await addTape(t.app, { barcode, mount: mounts[i]!, description: '', generation: undefined })));
          assert.ok(E.isRight(await createLabel(t.app, 'offsite', '#ff8800')));
          let tick = 1_700_000_000;
          for (const s of steps) {
            if (s.kind === 'write') {
              const file = path.join(src, NAMES[s.file]!);
              fs.mkdirSync(path.dirname(file), { recursive: true });
              fs.writeFileSync(file, s.content);
              fs.utimesSync(file, ++tick, tick);
            } else if (s.kind === 'delete') fs.rmSync(path.join(src, NAMES[s.file]!), { force: true });
            else if (s.kind === 'backup') {
              const r = await runBackup(t.app, { tape: TAPES[s.tape]!, sources: [src], incremental: s.incremental, excludes: [], checksum: false, dryRun: false, mount: mounts[s.tape]!, segmentTargetBytes: 4096 });
              assert.ok(E.isRight(r), JSON.stringify(r));
            } else if (s.kind === 'label') await changeTapeLabel(t.app, s.assign ? 'assign' : 'unassign', TAPES[s.tape]!, 'offsite', undefined);
            else await deleteLabel(t.app, 'offsite');
          }
          const pool = await pools.pool();
          try {
            const pg = await pgTwin(pool, t.app.store);
            for (const tape of TAPES) assert.deepEqual(await pg.catalog.tapeContents(tape), await t.app.catalog.tapeContents(tape), tape);
            assert.deepEqual(await pg.catalog.labels.byTape(), await t.app.catalog.labels.byTape());
            assert.deepEqual((await pg.catalog.check()).differences, []);
          } finally {
            await pool.end();
          }
        } finally {
          t.close();
        }
      }),
      { numRuns: 8 },
    );
  });
});
