import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { dumpCatalog } from '../support/catalog-dump';
import { sandbox } from '../support/cli';

/**
 * A recovery imports in bulk: secondary indexes dropped, commits not waiting for the disk,
 * no WAL checkpoint until its end. Killed in the middle of that, the catalog must still
 * open, and the recovery run again must finish it.
 */
describe('a recovery killed during its bulk import', () => {
  it('leaves a catalog that the same recovery, run again, completes to what the first backup made', () => {
    const box = sandbox();
    try {
      const tape = '000041L8';
      const mount = box.mountPoint('tape');
      const source = path.join(box.root, 'source');
      for (let folder = 0; folder < 2; folder++) {
        fs.mkdirSync(path.join(source, `f${folder}`), { recursive: true });
        for (let i = 0; i < 36; i++) fs.writeFileSync(path.join(source, `f${folder}`, `n${i}.txt`), `${folder}/${i}\n`.repeat(200));
      }
      assert.equal(box.lto(['tape', 'add', tape, '--mount', mount]).status, 0);
      // Small segments (two files each): the journal holds more records than one import batch (64).
      const backup = box.lto(['backup', tape, source, '--segment-size', '4KiB']);
      assert.equal(backup.status, 0, backup.stdout + backup.stderr);
      const catalog = path.join(box.home, 'catalog.db');
      const original = dumpCatalog(catalog);
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${catalog}${suffix}`, { force: true });

      const killed = box.lto(['recover', '--mount', mount], { LTO_CRASH_AT: 'recover-batch-imported#1' });
      assert.equal(killed.signal, 'SIGKILL', `the recovery was not killed where asked: ${killed.stderr}`);
      const partial = box.json<{ jobs: unknown[] }>(['jobs']);
      assert.ok(partial.jobs.length >= 1, 'the first batch was committed');

      const again = box.lto(['recover', '--mount', mount, '--json']);
      assert.equal(again.status, 0, again.stderr);
      const report = JSON.parse(again.stdout) as { complete: boolean; tapes: { imported: number; records: number }[] };
      assert.equal(report.complete, true);
      assert.ok(report.tapes[0]!.imported > 0 && report.tapes[0]!.imported < report.tapes[0]!.records, 'it went on from the batches committed');
      assert.equal(dumpCatalog(catalog), original);
      const check = box.lto(['catalog', 'check']);
      assert.equal(check.status, 0, check.stdout + check.stderr);
    } finally {
      box.cleanup();
    }
  });
});
