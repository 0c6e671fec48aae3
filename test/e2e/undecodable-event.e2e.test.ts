import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import * as os from 'node:os';
import { sandbox, type CliResult, type Sandbox } from '../support/cli';
import { imitateLtfs, setLtfs, userXattrsMissing } from '../support/ltfs';

const TAPE = '000012L5';

/** A refusal is one line on stderr, a non-zero exit, and nothing on stdout. */
const assertOneLineError = (result: CliResult, exit: number, pattern: RegExp): void => {
  assert.equal(result.status, exit, `exit ${result.status}, stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got: ${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.equal(result.stdout, '');
};

describe('an event the catalog cannot decode is refused, never dropped', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  /** Rewrites the tape's first event in catalog.db, as a damaged catalog would hold it. */
  const damageTapeInitialised = (field: string, value: number): void => {
    const db = new Database(path.join(box.home, 'catalog.db'));
    try {
      const changed = db.prepare(`UPDATE events SET data = json_set(data, '$.${field}', ?) WHERE stream = ? AND version = 1`).run(value, `tape-${TAPE}`);
      assert.equal(changed.changes, 1);
    } finally {
      db.close();
    }
  };

  it('makes `tape describe` and `label assign` refuse with one line naming the event, and write nothing', () => {
    const mount = box.mountPoint('tape');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount, '--description', 'first']).status, 0);
    assert.equal(box.lto(['label', 'create', 'offsite']).status, 0);
    damageTapeInitialised('description', 42);
    const journal = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
    const before = fs.readFileSync(journal);
    const named = new RegExp(`cannot read: tape-${TAPE} version 1 \\(TapeInitialised\\): data\\.description: expected string, got 42; nothing was changed`);
    assertOneLineError(box.lto(['tape', 'describe', TAPE, 'second', '--mount', mount]), 5, named);
    assertOneLineError(box.lto(['label', 'assign', TAPE, 'offsite', '--mount', mount]), 5, named);
    // Not mounted: the change would have waited pending; it is refused all the same.
    assertOneLineError(box.lto(['tape', 'describe', TAPE, 'second']), 5, named);
    assert.deepEqual(fs.readFileSync(journal), before, 'the journal is untouched');
    const history = box.json<{ events: { type: string }[] }>(['tape', 'history', TAPE]).events.map((e) => e.type);
    assert.ok(!history.includes('TapeDescribed') && !history.includes('TapeLabelled'), history.join(', '));
  });

  it('on LTFS, refuses a contact whose recorded volume UUID cannot be read, rather than pass any cartridge', { skip: userXattrsMissing(os.tmpdir()) }, () => {
    const mount = box.mountPoint('ltfs');
    imitateLtfs(mount);
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    damageTapeInitialised('ltfsVolumeUuid', 42);
    setLtfs(mount, 'volumeUUID', '0b6e7a10-1111-4c2d-8e3f-222222222222');
    assertOneLineError(box.lto(['tape', 'show', TAPE, '--mount', mount]), 5, /tape-000012L5 version 1 \(TapeInitialised\): data\.ltfsVolumeUuid: expected string, got 42/);
  });
});
