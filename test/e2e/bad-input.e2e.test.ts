import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { journalLines, sandbox, type Sandbox, type CliResult } from '../support/cli';

/** A refusal is one line on stderr, a non-zero exit, and nothing on stdout. */
const assertOneLineError = (result: CliResult, exit: number, pattern: RegExp): void => {
  assert.equal(result.status, exit, `exit ${result.status}, stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got: ${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.equal(result.stdout, '');
};

describe('bad input: one clear line, a non-zero exit, nothing written', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  const noTapes = () => assert.deepEqual(box.json(['tape', 'list']), { schema: 1, tapes: [] });

  it('refuses a malformed barcode and shows the expected form', () => {
    const mount = box.mountPoint('ltfs');
    assertOneLineError(box.lto(['tape', 'add', '12L5', '--mount', mount]), 2, /not an LTO barcode: expected 6 letters or digits \+ 2-character media code/);
    assert.deepEqual(fs.readdirSync(mount), []);
    noTapes();
  });

  it('refuses a cleaning cartridge', () => {
    assertOneLineError(box.lto(['tape', 'add', 'CLN001L1', '--mount', box.mountPoint('m')]), 2, /cleaning cartridge/);
  });

  it('refuses a mount path that does not exist, or is a file', () => {
    assertOneLineError(box.lto(['tape', 'add', '000012L5', '--mount', path.join(box.root, 'nope')]), 3, /does not exist/);
    const file = path.join(box.root, 'file');
    fs.writeFileSync(file, 'x');
    assertOneLineError(box.lto(['tape', 'add', '000012L5', '--mount', file]), 3, /is not a folder/);
    noTapes();
  });

  it('refuses a volume that already belongs to another tape, and an id already registered', () => {
    const mount = box.mountPoint('ltfs');
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    assertOneLineError(box.lto(['tape', 'add', '000099L5', '--mount', mount]), 3, /already tape 000012L5, not 000099L5/);
    assertOneLineError(box.lto(['tape', 'add', '000012L5', '--mount', box.mountPoint('other')]), 3, /already in the catalog/);
    assert.equal(journalLines(mount).length, 3);
  });

  it('names both ids when the wrong tape is mounted, and writes nothing', () => {
    const a = box.mountPoint('a');
    const b = box.mountPoint('b');
    box.lto(['tape', 'add', '000012L5', '--mount', a]);
    box.lto(['tape', 'add', '000013L5', '--mount', b]);
    const before = fs.readFileSync(path.join(b, 'LTO-ARCHIVE', 'journal.ndjson'));
    assertOneLineError(box.lto(['tape', 'describe', '000012L5', 'new', '--mount', b]), 3, /expected 000012L5, found 000013L5/);
    assert.deepEqual(fs.readFileSync(path.join(b, 'LTO-ARCHIVE', 'journal.ndjson')), before);
  });

  it('names the file and the field of a volume.json that does not decode', () => {
    const mount = box.mountPoint('ltfs');
    box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    const file = path.join(mount, 'LTO-ARCHIVE', 'volume.json');
    const label = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...label, generation: 'L99' }));
    assertOneLineError(box.lto(['tape', 'show', '000012L5']), 4, /volume\.json.*generation/);
  });

  it('names the record where the journal chain breaks: a known tape stays readable, verify fails', () => {
    const mount = box.mountPoint('ltfs');
    box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    const file = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('000012L5', '000012L6');
    fs.writeFileSync(file, lines.join('\n'));
    const show = box.lto(['tape', 'show', '000012L5', '--mount', mount]);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stderr, /journal of 000012L5 is damaged at record 2\b/);
    // A catalog that does not know the tape yet does not take it around the damage.
    const elsewhere = sandbox();
    try {
      assertOneLineError(elsewhere.lto(['recover', '--mount', mount]), 4, /record 2\b.*--salvage/);
    } finally {
      elsewhere.cleanup();
    }
  });

  it('refuses unknown commands and options with a usage exit code', () => {
    assert.equal(box.lto(['frobnicate']).status, 2);
    assert.equal(box.lto(['tape', 'list', '--bogus']).status, 2);
  });

  it('refuses an unusable database path', () => {
    const file = path.join(box.root, 'plain-file');
    fs.writeFileSync(file, 'x');
    assertOneLineError(box.lto(['tape', 'list', '--db', path.join(file, 'catalog.db')]), 5, /cannot use the catalog database/);
  });

  it('refuses a tape that is not registered', () => {
    assertOneLineError(box.lto(['tape', 'show', '000077L7']), 3, /not in the catalog/);
  });
});
