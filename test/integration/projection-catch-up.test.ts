import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { verifyCatalog } from '../../application/rebuild-catalog';
import { composeApp } from '../../application/compose';
import { changeTapeLabel, createLabel } from '../../application/tags';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import { testApp } from '../support/app';

describe('projection catch-up', () => {
  it('builds a projection that a catalog written by an older version lacks, without replaying the others twice', async () => {
    const t = await testApp();
    try {
      assert.ok(E.isRight(await addTape(t.app, { barcode: '000012L5', mount: t.mountPoint('a'), description: 'x', generation: undefined })));
      assert.ok(E.isRight(await createLabel(t.app, 'archive', '#ff8800')));
      assert.ok(E.isRight(await changeTapeLabel(t.app, 'assign', '000012L5', 'archive', undefined)));
      // As an older version left it: no labels tables, no labels checkpoint.
      t.db.exec("DROP TABLE labels; DROP TABLE tape_labels; DELETE FROM projection_checkpoints WHERE name = 'labels'");
      const db = new Database(path.join(t.root, 'catalog.db'));
      try {
        const { app } = await composeApp(db, { ...t.app, newId: () => newUuidV7() });
        assert.deepEqual(db.prepare('SELECT tape, label FROM tape_labels').all(), [{ tape: '000012L5', label: 'archive' }]);
        assert.equal(db.prepare('SELECT count(*) FROM tapes').pluck().get(), 1);
        assert.deepEqual((await verifyCatalog(app)).differences, []);
      } finally {
        db.close();
      }
    } finally {
      t.close();
    }
  });

  for (const [what, older] of [
    ['a catalog from before the schema fingerprint', 'DROP TABLE projection_schema'],
    ['a catalog whose fingerprint is another', "UPDATE projection_schema SET fingerprint = 'older'"],
  ] as const) {
    it(`rebuilds tables of an older shape from the events (${what})`, async () => {
      const t = await testApp();
      try {
        assert.ok(E.isRight(await addTape(t.app, { barcode: '000012L5', mount: t.mountPoint('a'), description: 'x', generation: undefined })));
        // As an older version left it: entries without the change-detection columns.
        t.db.exec(`ALTER TABLE entries DROP COLUMN inode; ALTER TABLE entries DROP COLUMN ctime_ns; ${older}`);
        const db = new Database(path.join(t.root, 'catalog.db'));
        try {
          const { app } = await composeApp(db, { ...t.app, newId: () => newUuidV7() });
          const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('entries');
          assert.ok(columns.includes('inode') && columns.includes('ctime_ns'), JSON.stringify(columns));
          assert.equal(db.prepare('SELECT count(*) FROM tapes').pluck().get(), 1);
          assert.deepEqual((await verifyCatalog(app)).differences, []);
        } finally {
          db.close();
        }
      } finally {
        t.close();
      }
    });
  }
});
