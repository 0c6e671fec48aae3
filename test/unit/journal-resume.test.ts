import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { appendToJournal, readJournal, sha256Hex } from '../../infrastructure/journal';
import { envelopes } from '../support/store-fixtures';

const LABEL = sha256Hex('volume.json bytes');

describe('journal reads that resume at a cursor', () => {
  const withJournal = (body: (file: string) => void) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-resume-'));
    try {
      body(path.join(dir, 'journal.ndjson'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('reads only the records appended since the cursor, and chains them to what came before', () => {
    withJournal((file) => {
      const first = appendToJournal(file, { seq: 0, hash: LABEL }, envelopes('tape-000001L5', 5));
      assert.ok(E.isRight(first));
      const full = readJournal(file, LABEL);
      assert.ok(E.isRight(full) && full.right.cursor !== undefined);
      assert.equal(full.right.cursor.byteOffset, fs.statSync(file).size);
      const more = envelopes('tape-000001L5', 3, 5);
      assert.ok(E.isRight(appendToJournal(file, full.right.head, more)));
      const resumed = readJournal(file, LABEL, { resumeAt: full.right.cursor });
      assert.ok(E.isRight(resumed));
      assert.deepEqual(resumed.right.records.map((r) => [r.seq, r.line, r.event.id]), more.map((e, i) => [6 + i, 6 + i, e.id]));
      assert.equal(resumed.right.complete, true);
      const whole = readJournal(file, LABEL);
      assert.ok(E.isRight(whole));
      assert.deepEqual(resumed.right.head, whole.right.head);
      assert.deepEqual(resumed.right.cursor, whole.right.cursor);
    });
  });

  it('reads everything again when the file no longer holds the cursor\'s head line', () => {
    withJournal((file) => {
      assert.ok(E.isRight(appendToJournal(file, { seq: 0, hash: LABEL }, envelopes('tape-000001L5', 4))));
      const full = readJournal(file, LABEL);
      assert.ok(E.isRight(full) && full.right.cursor !== undefined);
      // Another journal in its place (another cartridge, a rewritten file): same size, other bytes.
      fs.rmSync(file);
      assert.ok(E.isRight(appendToJournal(file, { seq: 0, hash: LABEL }, envelopes('tape-000001L5', 4))));
      const read = readJournal(file, LABEL, { resumeAt: full.right.cursor });
      assert.ok(E.isRight(read));
      assert.equal(read.right.records.length, 4, 'a cursor that does not fit is not trusted');
    });
  });
});
