import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type CliResult, type Sandbox } from '../support/cli';

/** Names of catalog tables: a person reads none of them. */
const TABLE_NAMES = /\b(tape_info|key_slots|job_warnings|search_names|span_parts|file_extents|tape_labels|entries \d|dirs \d)\b/;

describe('lto demo', () => {
  let box: Sandbox;
  let first: CliResult;
  let second: CliResult;
  before(() => {
    box = sandbox();
    // The demo's temporary folder goes under the sandbox, so the test leaves nothing behind.
    first = box.lto(['demo'], { TMPDIR: box.root });
    second = box.lto(['demo'], { TMPDIR: box.root });
  });
  after(() => box.cleanup());

  it('runs to the end, twice, and never touches the user\'s data folder', () => {
    assert.equal(first.status, 0, first.stderr);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(fs.existsSync(path.join(box.home, 'catalog.db')), false, 'no catalog in the user\'s data folder');
    const tapes = box.json<{ tapes: unknown[] }>(['tape', 'list']).tapes;
    assert.deepEqual(tapes, [], 'the user\'s catalog has no demo tape');
    const report = box.lto(['report']);
    assert.doesNotMatch(report.stdout, /DEMO/);
  });

  it('names its own folder, which holds the demo catalog and tape', () => {
    const named = /own data folder, (\S+): your catalog is not touched/.exec(first.stdout);
    assert.ok(named !== null, first.stdout);
    const folder = named[1]!;
    assert.ok(folder.startsWith(box.root));
    assert.ok(fs.existsSync(path.join(folder, 'catalog.db')));
    const listed = box.lto(['tape', 'list', '--json'], { LTO_HOME: folder });
    assert.match(listed.stdout, /DEMO01L8/);
  });

  it('ends with verify and with recovery from the tape alone into an empty catalog, found equal', () => {
    assert.match(first.stdout, /Verify: read every file back[\s\S]*PASSED: 2 backups/);
    assert.match(first.stdout, /rebuild an empty catalog from the tape alone[\s\S]*✓ equal: the tape alone gave back the same \d+ jobs \(2 backups\)/);
  });

  it('counts as a person does, in user words, and its last lines are commands one can type', () => {
    assert.match(first.stdout, /full backup done: 16 files and 9 folders or links/);
    assert.match(first.stdout, /incremental backup done: 2 files new or changed, 1 deleted, 14 unchanged/);
    assert.match(first.stdout, /full because DEMO01L8 holds no earlier backup/);
    assert.doesNotMatch(first.stdout, TABLE_NAMES);
    assert.match(first.stdout, /LTO_HOME=\S+ npx lto browse DEMO01L8\n/);
  });
});
