import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { journalLines, sandbox, type Sandbox } from '../support/cli';

interface HistoryJson {
  seq: number | null;
  type: string;
  state: string;
}

/** `chattr +i`: even root cannot append, as with a write-protected cartridge. */
const writeProtect = (file: string, on: boolean): void => {
  execFileSync('chattr', [on ? '+i' : '-i', file]);
};

describe('write order: tape first, then the local store (DESIGN §4)', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  it('repairs a crash between the tape append and the local append at the next command on that tape', () => {
    const mount = box.mountPoint('ltfs');
    const crashed = box.lto(['tape', 'add', '000012L5', '--mount', mount], { LTO_CRASH_AT: 'after-tape-append' });
    assert.equal(crashed.signal, 'SIGKILL');
    assert.equal(journalLines(mount).length, 3, 'the tape got its records before the crash');
    assert.deepEqual(box.json(['tape', 'list']), { schema: 1, tapes: [] }, 'the local store did not');

    const shown = box.lto(['tape', 'show', '000012L5', '--mount', mount]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stderr, /imported 3 event/);
    const history = box.json<{ events: HistoryJson[] }>(['tape', 'history', '000012L5']).events;
    assert.deepEqual(history.map((e) => [e.seq, e.type]), [
      [1, 'JobStarted'],
      [2, 'TapeInitialised'],
      [3, 'JobCompleted'],
    ]);
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });

  it('finishes an initialisation that crashed after volume.json and before the journal', () => {
    const mount = box.mountPoint('ltfs');
    const crashed = box.lto(['tape', 'add', '000012L5', '--mount', mount], { LTO_CRASH_AT: 'after-volume-label' });
    assert.equal(crashed.signal, 'SIGKILL');
    assert.ok(fs.existsSync(path.join(mount, 'LTO-ARCHIVE', 'volume.json')));
    const again = box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(
      journalLines(mount).map((l) => JSON.parse(l).event.type),
      ['JobStarted', 'TapeInitialised', 'JobCompleted'],
    );
    assert.equal(box.json<{ tapes: unknown[] }>(['tape', 'list']).tapes.length, 1);
  });

  it('keeps an event pending on a write-protected tape and writes it at the next writable contact', () => {
    const mount = box.mountPoint('ltfs');
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    const journal = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
    writeProtect(journal, true);
    try {
      const described = box.lto(['tape', 'describe', '000012L5', 'Photos 2019-2020']);
      assert.equal(described.status, 0, described.stderr);
      assert.match(described.stdout, /pending/);
      assert.equal(journalLines(mount).length, 3);
      const pending = box.json<{ events: HistoryJson[] }>(['tape', 'history', '000012L5']).events;
      assert.deepEqual(pending[3], { ...pending[3], seq: null, type: 'TapeDescribed', state: 'pending' });
    } finally {
      writeProtect(journal, false);
    }
    const shown = box.lto(['tape', 'show', '000012L5']);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stderr, /wrote 1 pending event/);
    const lines = journalLines(mount);
    assert.equal(lines.length, 4);
    assert.equal(JSON.parse(lines[3]!).event.type, 'TapeDescribed');
    const history = box.json<{ events: HistoryJson[] }>(['tape', 'history', '000012L5']).events;
    assert.deepEqual(history.map((e) => [e.seq, e.state]), [
      [1, 'written'],
      [2, 'written'],
      [3, 'written'],
      [4, 'written'],
    ]);
  });

  it('keeps a change pending while the tape is not mounted at all', () => {
    const mount = box.mountPoint('ltfs');
    box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    const away = `${mount}-away`;
    fs.renameSync(mount, away);
    assert.equal(box.lto(['tape', 'describe', '000012L5', 'on the shelf']).status, 0);
    fs.renameSync(away, mount);
    assert.equal(box.lto(['tape', 'show', '000012L5']).status, 0);
    assert.equal(JSON.parse(journalLines(mount)[3]!).event.data.description, 'on the shelf');
  });
});
