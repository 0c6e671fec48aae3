import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { runBackup } from '../../application/backup/run-backup';
import { verifyCatalog } from '../../application/rebuild-catalog';
import { runRestore } from '../../application/restore/run-restore';
import { testApp } from '../support/app';
import { treeFacts } from '../support/trees';

type Change =
  | { kind: 'write'; file: number; content: string }
  | { kind: 'delete'; file: number }
  | { kind: 'mkdir'; dir: number }
  | { kind: 'rmdir'; dir: number }
  | { kind: 'backup' };

const NAMES = ['a.txt', 'b/c.txt', 'b/d/e.txt', 'f g.txt', 'h/ü.txt', 'i/j/k/l.txt'];
const DIRS = ['empty1', 'b/empty2', 'x/y'];

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), file: fc.nat(NAMES.length - 1), content: fc.string({ maxLength: 200 }) }),
  fc.record({ kind: fc.constant('delete' as const), file: fc.nat(NAMES.length - 1) }),
  fc.record({ kind: fc.constant('mkdir' as const), dir: fc.nat(DIRS.length - 1) }),
  fc.record({ kind: fc.constant('rmdir' as const), dir: fc.nat(DIRS.length - 1) }),
  fc.constant({ kind: 'backup' as const }),
);

const apply = (root: string, c: Change): void => {
  if (c.kind === 'write') {
    const file = path.join(root, NAMES[c.file]!);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) return;
    fs.writeFileSync(file, c.content);
    // A distinct time per write, so size+mtime sees every change (as it does on a real clock).
    const t = 1_700_000_000 + Math.floor(Math.random() * 1e6);
    fs.utimesSync(file, t, t);
  } else if (c.kind === 'delete') fs.rmSync(path.join(root, NAMES[c.file]!), { force: true, recursive: true });
  else if (c.kind === 'mkdir') fs.mkdirSync(path.join(root, DIRS[c.dir]!), { recursive: true });
  else if (c.kind === 'rmdir') fs.rmSync(path.join(root, DIRS[c.dir]!), { force: true, recursive: true });
};

describe('incremental backups, property', () => {
  it('after any sequence of changes and incremental backups, restoring the latest state equals the source', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 15 }), async (changes) => {
        const t = await testApp();
        try {
          const src = t.mountPoint('src');
          const mount = t.mountPoint('tape');
          assert.ok(E.isRight(await addTape(t.app, { barcode: '000001L9', mount, description: '', generation: undefined })));
          const backup = (incremental: boolean) =>
            runBackup(t.app, { tape: '000001L9', sources: [src], incremental, excludes: [], checksum: false, dryRun: false, mount, segmentTargetBytes: 4096 });
          const first = await backup(false);
          assert.ok(E.isRight(first) && first.right.status === 'SUCCESS');
          for (const c of [...changes, { kind: 'backup' as const }]) {
            if (c.kind === 'backup') {
              const r = await backup(true);
              assert.ok(E.isRight(r) && r.right.status === 'SUCCESS', JSON.stringify(r));
            } else apply(src, c);
          }
          const to = path.join(t.root, `restore`);
          const restored = await runRestore(t.app, { tape: '000001L9', to, job: undefined, paths: [], overwrite: false, dryRun: false, stripComponents: 0, mount });
          assert.ok(E.isRight(restored) && restored.right.status === 'SUCCESS', JSON.stringify(restored));
          assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
          assert.deepEqual((await verifyCatalog(t.app)).differences, []);
        } finally {
          t.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
