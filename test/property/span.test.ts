import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { pieceThatFits, runBackup, SPLIT_MIN_BYTES, type SpanTapes } from '../../application/backup/run-backup';
import { SpaceGuard } from '../../application/backup/space-guard';
import { estimateTarBytes } from '../../application/backup/plan';
import { verifyCatalog } from '../../application/rebuild-catalog';
import { runRestore } from '../../application/restore/run-restore';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { testApp } from '../support/app';
import { treeFacts } from '../support/trees';

const KiB = 1024;
const TAPES = ['000201L5', '000202L5', '000203L5', '000204L5', '000205L5', '000206L5'];

/** The next tapes from a list of mounts, as `--mount` gives them (no person to ask). */
const fromMounts = (mounts: readonly string[]): SpanTapes => ({
  nextTape: async (_full, part) => {
    const tape = TAPES[part - 1];
    return tape === undefined || mounts[part - 1] === undefined ? E.right(undefined) : tapeIdFromInput(tape);
  },
  mountOf: async (_tape, part) => mounts[part - 1],
  unlock: async () => E.right(undefined),
});

describe('spanning backups, property', () => {
  it('whatever the file sizes and tape capacities, the parts cover the tree: restoring the span equals the source', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 700 * KiB }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1200, max: 2400 }),
        async (sizes, capacityKiB) => {
          const t = await testApp();
          try {
            const src = t.mountPoint('src');
            sizes.forEach((size, i) => {
              const file = path.join(src, `d${i % 3}`, `f${i}.bin`);
              fs.mkdirSync(path.dirname(file), { recursive: true });
              fs.writeFileSync(file, randomBytes(size));
            });
            const mounts: string[] = [];
            for (const tape of TAPES) {
              const mount = t.mountPoint(tape);
              assert.ok(E.isRight(await addTape(t.app, { barcode: tape, mount, description: '', generation: undefined, capacityBytes: capacityKiB * KiB })));
              mounts.push(mount);
            }
            const backup = await runBackup(t.app, {
              tape: TAPES[0]!, sources: [src], incremental: false, excludes: [], checksum: false, dryRun: false, mount: mounts[0],
              segmentTargetBytes: 300 * KiB, span: fromMounts(mounts),
            });
            assert.ok(E.isRight(backup) && backup.right.status === 'SUCCESS', JSON.stringify(backup));
            assert.equal(backup.right.totals.files, sizes.length);
            // No tape is written past its capacity less the 5% reserve.
            for (const part of backup.right.parts) {
              const used = (await t.app.catalog.tape(part.tape))?.usedBytes ?? 0;
              assert.ok(used <= capacityKiB * KiB * 0.95, `${part.tape} holds ${used} bytes`);
            }
            const last = backup.right.parts[backup.right.parts.length - 1]!;
            const to = path.join(t.root, 'restore');
            const restored = await runRestore(t.app, { tape: last.tape, to, job: last.job, paths: [], overwrite: false, dryRun: false, stripComponents: 0, mount: mounts[backup.right.parts.length - 1] });
            assert.ok(E.isRight(restored) && restored.right.status === 'SUCCESS', JSON.stringify(restored));
            assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
            assert.deepEqual((await verifyCatalog(t.app)).differences, []);
          } finally {
            t.close();
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('the room a piece may take', () => {
  it('pieceThatFits is whole blocks whose tar bytes fit the room, and the largest such', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (room) => {
        const piece = pieceThatFits(room);
        assert.equal(piece % 512, 0);
        if (piece > 0) assert.ok(estimateTarBytes(piece) <= room);
        assert.ok(estimateTarBytes(piece + 512) > room);
      }),
    );
    assert.ok(SPLIT_MIN_BYTES % 512 === 0);
  });

  it('SpaceGuard never lets the entries it allows add up past its budget, and says what is left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.array(fc.integer({ min: 0, max: 2_000_000 }), { maxLength: 40 }), (budget, entries) => {
        const guard = new SpaceGuard(() => undefined, budget);
        let allowed = 0;
        for (const bytes of entries) {
          if (guard.check(bytes, 0) === undefined) allowed += bytes;
          else assert.ok(allowed + bytes > budget);
        }
        assert.ok(allowed <= budget);
        assert.equal(guard.left(0), budget - allowed);
      }),
    );
  });
});
