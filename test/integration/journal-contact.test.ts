import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { openTapeSession } from '../../application/tape-session';
import type { EventEnvelope } from '../../domain/envelope';
import { EventId } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import { appendToJournal, readJournal } from '../../infrastructure/journal';
import { FULL_CHECK_BYTES } from '../../infrastructure/tape/tape-volume';
import { readVolumeLabel } from '../../infrastructure/tape/volume-label-file';
import { testApp } from '../support/app';

const describedEvents = (fromVersion: number, count: number, text: string): EventEnvelope[] =>
  Array.from({ length: count }, (_, i) => {
    const id = newUuidV7();
    if (!EventId.is(id)) throw new Error('bad id');
    return { id, stream: 'tape-000042L7', version: fromVersion + i, type: 'TapeDescribed', schema: 1, at: '2026-11-26T10:00:00.000Z', data: { tape: '000042L7', description: `${text} ${i}` } };
  });

const TAPE = (() => {
  const d = TapeId.decode('000042L7');
  if (E.isLeft(d)) throw new Error('bad tape id');
  return d.right;
})();

describe('contact with a large journal', () => {
  it('reads only what was appended since the last contact, and imports it', async () => {
    const t = await testApp();
    try {
      const mount = t.mountPoint('tape');
      assert.ok(E.isRight(await addTape(t.app, { barcode: '000042L7', mount, description: '', generation: undefined })));
      const archive = path.join(mount, 'LTO-ARCHIVE');
      const journal = path.join(archive, 'journal.ndjson');
      const label = readVolumeLabel(archive);
      assert.ok(E.isRight(label));
      const head = () => {
        const read = readJournal(journal, label.right.hash);
        if (E.isLeft(read)) throw new Error('unreadable');
        return read.right.head;
      };
      // Another machine wrote a lot to this tape: more than a contact re-reads whole.
      const padding = 'x'.repeat(2000);
      assert.ok(E.isRight(appendToJournal(journal, head(), describedEvents(2, 2500, padding))));
      assert.ok(fs.statSync(journal).size > FULL_CHECK_BYTES);
      const first = await openTapeSession(t.app, TAPE, mount);
      assert.ok(E.isRight(first));
      assert.equal(first.right.report.imported, 2500);

      // Damage an early record, then append one more: the next contact resumes after the
      // last record it read (the damage is for verify to find), and imports the new one.
      const before = head();
      const bytes = fs.readFileSync(journal);
      const at = bytes.indexOf(`${padding} 5"`);
      bytes[at] = 0x79;
      fs.writeFileSync(journal, bytes);
      assert.ok(E.isRight(appendToJournal(journal, before, describedEvents(2502, 1, 'the last word'))));
      const second = await openTapeSession(t.app, TAPE, mount);
      assert.ok(E.isRight(second), JSON.stringify(second));
      assert.equal(second.right.report.imported, 1);
      assert.equal((await t.app.catalog.tape('000042L7'))?.description, 'the last word 0');
    } finally {
      t.close();
    }
  });
});
