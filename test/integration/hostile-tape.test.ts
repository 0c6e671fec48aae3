import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { runRestore } from '../../application/restore/run-restore';
import { openTapeSession } from '../../application/tape-session';
import type { EventEnvelope } from '../../domain/envelope';
import { jobStream } from '../../domain/events';
import { appendToJournal, readJournal } from '../../infrastructure/journal';
import { readVolumeLabel } from '../../infrastructure/tape/volume-label-file';
import { testApp } from '../support/app';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import { newEventId } from '../support/events';
import { everyPathUnder } from '../support/tape-checks';



describe('a hostile tape', () => {
  it('cannot make a restore write outside --to: `..`, relative paths and writes through a symlink are refused', async () => {
    const t = await testApp();
    try {
      const mount = t.mountPoint('tape');
      assert.ok(E.isRight(await addTape(t.app, { barcode: '000666L8', mount, description: '', generation: undefined })));
      // A segment whose one file really is "pwned" at offset 0, so a careless reader would succeed.
      const job = newUuidV7();
      const data = Buffer.from('pwned');
      const segmentFile = path.join(mount, 'LTO-ARCHIVE', 'jobs', job, '1.tar');
      fs.mkdirSync(path.dirname(segmentFile), { recursive: true });
      fs.writeFileSync(segmentFile, data);
      const file = (p: string) => ({ path: p, kind: 'file', size: data.length, mtimeNs: '0', mode: 0o644, offset: 0, sha256: createHash('sha256').update(data).digest('hex') });
      const entries = [
        file('/../../escape-up.txt'),
        file('/safe/../../../escape-middle.txt'),
        file('relative/escape.txt'),
        file('/./dot.txt'),
        { path: '/links/out', kind: 'symlink', size: 0, mtimeNs: '0', mode: 0o777, target: t.root },
        file('/links/out/through-link.txt'),
        file('/fine/ok.txt'),
      ];
      const at = '2026-11-26T10:00:00.000Z';
      const envelope = (version: number, type: string, payload: unknown): EventEnvelope => ({ id: newEventId(), stream: jobStream(job), version, type, schema: 1, at, data: payload });
      const crafted = [
        envelope(1, 'JobStarted', { job, tape: '000666L8', type: 'BACKUP', encrypted: false, mode: 'FULL', sources: ['/'] }),
        envelope(2, 'SegmentClosed', { job, segment: 1, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), entries: entries.length }),
        envelope(3, 'FilesArchived', { job, segment: 1, entries }),
        envelope(4, 'JobCompleted', { job, files: entries.length, bytesRead: 5, bytesWritten: 5, warnings: 0 }),
      ];
      // Written straight into the tape's journal, as a hostile tape would carry them.
      const label = readVolumeLabel(path.join(mount, 'LTO-ARCHIVE'));
      assert.ok(E.isRight(label));
      const journalPath = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
      const read = readJournal(journalPath, label.right.hash);
      assert.ok(E.isRight(read));
      assert.ok(E.isRight(appendToJournal(journalPath, read.right.head, crafted)));
      assert.ok(E.isRight(await openTapeSession(t.app, label.right.label.tape, mount)), 'the contact imports the crafted events');

      const to = t.mountPoint('restore-here');
      const before = everyPathUnder(t.root).filter((p) => !p.startsWith(to) && !p.startsWith(mount));
      const report = await runRestore(t.app, { tape: '000666L8', to, job: undefined, paths: [], overwrite: false, dryRun: false, stripComponents: 0, mount });
      assert.ok(E.isRight(report), JSON.stringify(report));
      const refused = report.right.problems.filter((p) => p.kind === 'refused').map((p) => p.path).sort();
      assert.deepEqual(refused, ['/../../escape-up.txt', '/./dot.txt', '/safe/../../../escape-middle.txt', 'relative/escape.txt']);
      assert.equal(report.right.status, 'FAILED', 'a refused entry makes the restore fail (non-zero exit)');
      assert.equal(fs.readFileSync(path.join(to, 'fine', 'ok.txt'), 'utf8'), 'pwned');
      // The file under the link went into a real folder; the link itself was then not created over it.
      assert.ok(fs.lstatSync(path.join(to, 'links', 'out')).isDirectory());
      const after = everyPathUnder(t.root).filter((p) => !p.startsWith(to) && !p.startsWith(mount));
      assert.deepEqual(after, before, 'nothing was written outside the restore target');
    } finally {
      t.close();
    }
  });
});
